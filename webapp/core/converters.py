"""URL ids: digits that fit a bigint primary key. Django's `int` takes any number of digits, and
a 30-digit id overflows the database driver (a 500); with `id` it is a plain 404."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
