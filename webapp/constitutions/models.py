from __future__ import annotations

from django.conf import settings
from django.db import models

from alignment import constitution as spec


class Constitution(models.Model):
    class Visibility(models.TextChoices):
        TEAM = "team", "team (everyone with a role can see it)"
        PRIVATE = "private", "private (owner and admins)"

    # Unique among team constitutions and among one owner's: another user's private name never
    # clashes with yours, so a clash never reveals it.
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="constitutions")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.TEAM)
    head = models.ForeignKey("ConstitutionVersion", null=True, on_delete=models.SET_NULL, related_name="+")
    forked_from = models.ForeignKey("ConstitutionVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="forks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], condition=models.Q(visibility="team"), name="team_name_once"),
            models.UniqueConstraint(fields=["owner", "name"], name="owner_name_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> ConstitutionVersion:
        """The head version (unset only while the first version is being written)."""
        assert self.head is not None
        return self.head


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("constitution versions are immutable; save a new version instead")


class ConstitutionVersion(models.Model):
    """An immutable snapshot. Database triggers refuse any UPDATE of these rows (and of their
    principles), so not even raw SQL, the admin or a bug can change a saved version."""

    constitution = models.ForeignKey(Constitution, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.CharField(max_length=500)
    name = models.CharField(max_length=200, help_text="the constitution's name when saved")
    description = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["constitution", "-number"]
        constraints = [models.UniqueConstraint(fields=["constitution", "number"], name="version_number_once")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("constitution versions are immutable; save a new version instead")
        super().save(*args, **kwargs)

    def document(self) -> spec.Constitution:
        return spec.Constitution(
            name=self.name, description=self.description,
            principles=[p.as_spec() for p in self.principles.all()],
        )


class Principle(models.Model):
    version = models.ForeignKey(ConstitutionVersion, on_delete=models.CASCADE, related_name="principles")
    position = models.PositiveIntegerField()
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=[(k, k.replace("_", " ")) for k in spec.KINDS])
    title = models.CharField(max_length=200)
    text = models.TextField()
    weight = models.FloatField(default=1.0)
    tags = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    fields = models.JSONField(default=dict, help_text="the fields of its kind")

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="principle_key_once_per_version")]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("principles of a saved version are immutable")
        super().save(*args, **kwargs)

    def as_spec(self) -> spec.Principle:
        return spec.Principle(key=self.key, kind=self.kind, title=self.title, text=self.text, weight=self.weight,
                              tags=list(self.tags), enabled=self.enabled, fields=dict(self.fields))
