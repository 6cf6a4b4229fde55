"""GX's Data Docs site, built by GX's own builders and views with two costs taken out (docs/adr/0021-gate-cost.md).

Every validation rebuilds its page and the index (``quality.docs.publish``), and GX makes a new ``SiteBuilder``
for each build, with new views and index builder:

- each view made a new jinja ``Environment``, so every page build parsed and compiled the same templates again
  (a third of a raw gate's CPU). Views of the same class and template folders now share one ``Environment``
  per process and so its compiled templates. GX's views keep no state of a page between renders (the filters
  they register read only their constructor's folders), which is what makes sharing safe.
- the index builder read and deserialised every stored validation result for the index table, at every build:
  with ``KEEP_PER_SUITE`` results of ~25 suites that is ~700 results for each gate of a run. What the index
  reads of a result (its verdict and ``meta``; never the expectations' results) is now kept per process, so a
  run reads each stored result once.

Pages are what GX renders without this module (tests/unit/quality/test_docs_site.py compares them). GX imports
this module by name when a context with Data Docs builds its site (``quality.gx_runtime``), never earlier:
importing it imports GX.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

_LOCK = threading.Lock()
# Index entries kept per process; a long-lived process that validates more than this starts over.
MAX_INDEX_ENTRIES = 20_000


class _SharedEnvironment:
    """Mix-in for a GX jinja view: the first view of a class (and folders) builds the ``Environment``, the
    others of this process reuse it."""

    _environments: ClassVar[dict[tuple[type, str | None, str | None], Any]] = {}

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
        key = (type(self), custom_styles_directory, custom_views_directory)
        with _LOCK:
            shared = _SharedEnvironment._environments.get(key)
            if shared is None:
                super().__init__(custom_styles_directory, custom_views_directory)  # type: ignore[call-arg]
                _SharedEnvironment._environments[key] = self.env  # type: ignore[attr-defined]
                return
        self.custom_styles_directory = custom_styles_directory
        self.custom_views_directory = custom_views_directory
        self.env = shared


class PageView(_SharedEnvironment, DefaultJinjaPageView):
    """Validation result and expectation suite pages (GX's ``DefaultJinjaPageView``)."""


class IndexPageView(_SharedEnvironment, DefaultJinjaIndexPageView):
    """The site's index page (GX's ``DefaultJinjaIndexPageView``)."""


class IndexBuilder(DefaultSiteIndexBuilder):
    """GX's index builder, reading each stored validation result once per process."""

    def build(self, *args: Any, **kwargs: Any) -> Any:
        context = self.data_context
        self.data_context = _IndexReads(context)
        try:
            return super().build(*args, **kwargs)
        finally:
            self.data_context = context


class _IndexReads:
    """The data context as the index builder sees it: the same, except that a validation result named by its
    full key comes from the per-process memo when its store is a folder (the folder is part of the memo's key,
    so two sites of one process never share an entry). A stored result never changes (its key holds the
    run's time to the microsecond); one pruned is no longer listed, so never asked for again."""

    _entries: ClassVar[dict[tuple, ExpectationSuiteValidationResult]] = {}

    def __init__(self, context: Any) -> None:
        self._context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def get_validation_result(
        self,
        expectation_suite_name: str,
        run_id: Any = None,
        batch_identifier: Any = None,
        validation_results_store_name: str | None = None,
        failed_only: bool = False,
    ) -> Any:
        read = self._context.get_validation_result
        name = validation_results_store_name or self._context.validation_results_store_name
        folder = getattr(self._context.stores[name].store_backend, "full_base_directory", None)
        if run_id is None or batch_identifier is None or failed_only or folder is None:
            return read(
                expectation_suite_name=expectation_suite_name,
                run_id=run_id,
                batch_identifier=batch_identifier,
                validation_results_store_name=validation_results_store_name,
                failed_only=failed_only,
            )
        key = (
            folder,
            expectation_suite_name,
            tuple(run_id.to_tuple()),
            batch_identifier,
        )
        with _LOCK:
            found = self._entries.get(key)
        if found is not None:
            return found
        result = read(
            expectation_suite_name=expectation_suite_name,
            run_id=run_id,
            batch_identifier=batch_identifier,
            validation_results_store_name=validation_results_store_name,
        )
        if not isinstance(result, ExpectationSuiteValidationResult):
            return result  # not found: asked again next time
        entry = _index_entry(result)
        with _LOCK:
            if len(self._entries) >= MAX_INDEX_ENTRIES:
                self._entries.clear()
            self._entries[key] = entry
        return entry


def _index_entry(result: ExpectationSuiteValidationResult) -> ExpectationSuiteValidationResult:
    """The result without its expectations' results: what the index shows (verdict, asset, batch) is in the
    rest."""
    return ExpectationSuiteValidationResult(
        success=result.success,
        results=[],
        suite_name=result.suite_name,
        suite_parameters=result.suite_parameters,
        statistics=result.statistics,
        meta=result.meta,
        batch_id=result.batch_id,
        result_url=result.result_url,
        id=result.id,
    )
