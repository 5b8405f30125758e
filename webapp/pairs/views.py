
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment.errors import UserError
from webapp.accounts.roles import has_role, role_required
from webapp.constitutions.merge import word_diff
from webapp.constitutions.visibility import visible_versions
from webapp.feedback.judges import given_runs
from webapp.feedback.models import IMPORTED, METHODS, PreferencePair
from webapp.feedback.selectors import visible_pairs
from webapp.feedback.services import pair_sources
from webapp.pairs import selectors
from webapp.pairs.agreement import agreement_report, imported_run, imported_runs
from webapp.pairs.charts import chart_data
from webapp.pairs.importing import MAX_BYTES, import_pairs
from webapp.pairs.models import FLAG_REASONS, VERDICTS
from webapp.pairs.services import ReviewConflict, ReviewError, submit
from webapp.prompts.selectors import prompt_columns, sampling_runs


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def pair_list(request):
    f = selectors.PairFilter.from_query(request.GET)
    base = visible_pairs(request.user)
    runs = list(pair_sources(request.user)[:100])
    try:
        page = selectors.pair_page(base, f, request.GET.get("after", ""))
    except selectors.FilterError as exc:
        f.errors.append(str(exc))
        page = selectors.pair_page(base, f)
    return render(request, "pairs/list.html", {
        "f": f, **page, "query": _query_without(request, "after"), "methods": METHODS + IMPORTED, "sorts": selectors.SORTS,
        "first_page": not request.GET.get("after"), "runs": runs, "run_listed": any(r.pk == f.run for r in runs),
        "versions": visible_versions(request.user).order_by("name", "-number")[:300], **prompt_columns(),
        "judge_runs": given_runs(request.user)[:50],
        "sampling_runs": sampling_runs(request.user)[:50]})


def _detail_context(request, pair: PreferencePair, f: selectors.PairFilter) -> dict:
    base = visible_pairs(request.user)
    detail = selectors.pair_detail(pair)
    mine = next((r for r in detail["reviews"] if r.reviewer_id == request.user.pk), None)
    return {
        "pair": pair, **detail, "query": request.GET.urlencode(),
        "next_id": selectors.neighbour(base, f, pair), "prev_id": selectors.neighbour(base, f, pair, backwards=True),
        "diff": word_diff(pair.rejected, pair.chosen), "verdicts": VERDICTS, "reasons": FLAG_REASONS, "mine": mine,
        "can_review": has_role(request.user, "reviewer"), "in_queue": request.GET.get("queue") == "1",
        "progress": selectors.review_progress(base, request.user) if has_role(request.user, "reviewer") else None,
    }


def _visible_pair(request, pk: int) -> PreferencePair:
    return get_object_or_404(
        visible_pairs(request.user).select_related("prompt", "job", "constitution_version"), pk=pk)


def pair_detail(request, pk: int):
    pair = _visible_pair(request, pk)
    return render(request, "pairs/detail.html", _detail_context(request, pair, selectors.PairFilter.from_query(request.GET)))


@require_POST
@role_required("reviewer")
def review_pair(request, pk: int):
    pair = _visible_pair(request, pk)
    f = selectors.PairFilter.from_query(request.GET)
    try:
        seen = int(request.POST.get("review_version", ""))
        if not 0 <= seen <= 2**62:
            raise ValueError(seen)
        submit(request.user, pair.pk, request.POST.get("verdict", ""), seen,
               reason=request.POST.get("reason", ""), comment=request.POST.get("comment", ""),
               correction=request.POST.get("correction", ""))
    except (ValueError, ReviewError) as exc:
        message = str(exc) if isinstance(exc, ReviewError) else "the form is missing the version it was based on"
        context = _detail_context(request, pair, f) | {"error": message}
        return render(request, "pairs/detail.html", context, status=400)
    except ReviewConflict as exc:
        pair = _visible_pair(request, pk)
        context = _detail_context(request, pair, f) | {"conflict": str(exc), "attempt": request.POST}
        return render(request, "pairs/detail.html", context, status=409)
    messages.success(request, f"Pair {pair.pk}: {request.POST['verdict']} saved.")
    base = visible_pairs(request.user)
    if request.GET.get("queue") == "1":
        return redirect("review_queue")
    following = selectors.neighbour(base, f, pair)
    query = request.GET.urlencode()
    return redirect(f"/pairs/{following or pair.pk}/" + (f"?{query}" if query else ""))


@role_required("reviewer")
def review_queue(request):
    pair_id = selectors.next_in_queue(visible_pairs(request.user), request.user)
    if pair_id is None:
        return render(request, "pairs/queue_empty.html")
    return redirect(f"/pairs/{pair_id}/?queue=1")


def agreement(request):
    f = selectors.PairFilter.from_query(request.GET)
    try:
        against = imported_run(request.GET.get("against", ""))
    except ValueError as exc:
        f.errors.append(str(exc))
        against = None
    report = agreement_report(f.apply(visible_pairs(request.user)), against=against)
    return render(request, "pairs/agreement.html", {
        "report": report, "f": f, "query": _query_without(request, "against"), "runs": imported_runs()[:200],
        "against": against})


def charts(request):
    f = selectors.PairFilter.from_query(request.GET)
    data = chart_data(f.apply(visible_pairs(request.user)))
    return render(request, "pairs/charts.html", {"data": data, "f": f, "query": _query_without(request, "after")})


@role_required("operator")
def import_view(request):
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise UserError("choose a .jsonl or .parquet file")
            if upload.size > MAX_BYTES:
                raise UserError(f"{upload.name}: {upload.size} bytes; the limit is {MAX_BYTES}")
            job = import_pairs(request.user, request.POST.get("name", ""), request.POST.get("source", "human"),
                               upload.name, upload.read(), split=bool(request.POST.get("split")))
        except UserError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Imported {job.result['pairs']} pairs as run {job.pk}.")
            return redirect(f"/pairs/?run={job.pk}")
    return render(request, "pairs/import.html", {"error": error, "max_mb": MAX_BYTES // (1024 * 1024)},
                  status=400 if error else 200)
