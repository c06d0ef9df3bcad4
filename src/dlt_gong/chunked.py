"""One run as a sequence of load packages, so that normalising and loading overlap with
reading Gong.

dlt runs a pipeline's steps one after another: nothing is normalised before the last
request of the extract, and no request is sent while dlt normalises and loads. Behind
Gong's 3 requests a second the extract mostly waits, and the normalising of a large
company then adds minutes after it (the benchmark measured the whole run at 1.4 times the
request floor's time on 3,000 calls). Here a thread of its own walks the source with dlt's
own pipe iterator and writes each page to a spool file as it comes, while the main thread
turns what has arrived into load packages of at most `package_bytes` of spooled pages and
runs dlt's normalise and load on each. Requests keep going out at Gong's pace the whole
time; what is left after the last request is the last package.

What is kept the same as one `pipeline.run`:

* the tables, their hints and their data: each package is extracted from resources with
  the names and hints of the source's own (`_mirror`), fed the pages the source yielded,
  in its order; the spool is pickled (this process writes it and reads it back), which
  keeps dates and timestamps as they are and costs less than JSON to write and read;
* the saved positions only cover what is in a package: each page is spooled with a copy of
  the source state as it was when the page was produced, before the source moved its
  positions past it, and a package carries the copy of its last page (the last package
  the final state). A run killed between packages leaves every earlier package loaded or
  pending with positions that match it, and the next run goes on from there;
* the destination is opened, and an interrupted load finished, before any request;
* errors from the source reach the caller as they would from `pipeline.run` (wrapped by
  dlt's extract step), after the packages before them were loaded.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import pickle
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dlt.common.configuration.container import Container
from dlt.common.configuration.resolve import inject_section
from dlt.common.configuration.specs.config_section_context import ConfigSectionContext
from dlt.common.pipeline import LoadInfo, PipelineContext, StateInjectableContext
from dlt.common.runtime import signals
from dlt.extract.hints import HintsMeta
from dlt.extract.items import DataItemWithMeta, TableNameMeta
from dlt.extract.pipe_iterator import PipeIterator
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource, SourceInjectableContext, SourceSchemaInjectableContext

logger = logging.getLogger("dlt_gong")

DLT_MARKS = (HintsMeta, TableNameMeta)
"""The marks dlt's extract acts on (`dlt.mark.with_hints`, `with_table_name`)."""

PACKAGE_BYTES = 16 * 1024 * 1024
"""Spooled pages per package, unless configured (`[sources.gong] package_megabytes`),
counted as pickled (about two thirds of the size of Gong's JSON): about 550 calls with
their transcripts, at 3 requests a second about 20 s of reading, normalised
and loaded in 2-3 s while the next is read, so what is left after the last request is one
small package. A package costs a fixed part (dlt's merge of every table, state and schema
versions), so fewer is cheaper; smaller ones leave less after the last request."""

SPOOL_FOLDER = "spool"
"""Where in the pipeline's working folder a run spools the pages it read ahead of its
packages (`_fresh_spool`)."""

PAGES_AHEAD = 200
"""Pages the feed may spool ahead of the packages (a bound on the spool's disk use): about
a minute of requests at 3 a second, more than a package takes to normalise and load."""

PACKAGE_BEHIND_FACTOR = 2
"""A package takes the pages already waiting up to this many times `package_bytes`. A
package costs a fixed part (dlt's merge of every table, state and schema versions): when
normalising and loading fall behind the feed (a run bound by its CPU, which a paced run
of 3,000 calls on 2 CPUs was, its packages in one core), fewer, larger packages catch up
sooner; a run that keeps up finds fewer pages waiting, and its packages stay as they were.
Paced runs only: an unpaced run's packages are as large as memory and disk allow."""


@dataclass
class _Page:
    """A spooled page: which table, where its items are, and the state that goes with it."""

    table: str
    path: Path
    size: int
    state: dict[str, Any]
    meta: Any = None
    """dlt's mark on the item (`dlt.mark.with_hints`: a full-refresh table read whole is
    `replace`), handed on with it."""


@dataclass
class _Items:
    """A page handed from the package's dispatcher to the mirror of its table."""

    table: str
    items: Any
    meta: Any = None


@dataclass
class _End:
    """The source is exhausted (or failed with `error`); `state` is its final state."""

    state: dict[str, Any] | None
    error: BaseException | None = None


@dataclass
class _Feed:
    """Walks the source in a thread of its own, spooling each page to disk."""

    source: DltSource
    state: dict[str, Any]
    schema: Any
    """The pipeline's schema as the run starts: what dlt's extract gives a source's code
    (`dlt.current.source_schema()`)."""
    pipeline_context: Any
    """The main thread's active pipeline (`dlt.current.pipeline()`)."""
    spool: Path
    passed: set[str]
    """Resources loaded in a package of their own before the feed starts (`_reconcile_pass`)."""
    pages: queue.Queue[_Page | _End] = field(
        default_factory=lambda: queue.Queue(maxsize=PAGES_AHEAD)
    )
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    produced: int = 0

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="dlt-gong-feed", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _source_state(self) -> dict[str, Any]:
        found: dict[str, Any] = self.state.setdefault("sources", {}).setdefault(
            self.source.name, {}
        )
        return found

    def _run(self) -> None:
        """dlt's extract sets these contexts for a source's generators; they belong to the
        thread that sets them, so the feed sets its own, over its own copy of the state."""
        source = self.source
        container = Container()
        section = ConfigSectionContext(
            sections=("sources", source.section, source.name), source_state_key=source.name
        )
        state: Any = self.state
        try:
            with (
                container.injectable_context(StateInjectableContext(state=state)),
                container.injectable_context(self.pipeline_context),
                container.injectable_context(SourceSchemaInjectableContext(self.schema)),
                container.injectable_context(SourceInjectableContext(source)),
                inject_section(section),
                PipeIterator.from_pipes(
                    [p for p in source.resources.selected_pipes if p.name not in self.passed]
                ) as pipes,
            ):
                for n, item in enumerate(pipes):
                    if self.stop.is_set():
                        return
                    # dlt's own marks go with the page; others (a transformer's rider,
                    # like the calls page a transcript page carries) were used up here
                    meta = item.meta if isinstance(item.meta, DLT_MARKS) else None
                    self._put(n, item.pipe.name, item.item, meta)
            logger.info("all of Gong read: %d pages", self.produced)
            self._offer(_End(copy.deepcopy(self._source_state())))
        except BaseException as exc:  # handed to the main thread, raised there
            self._offer(_End(None, exc))

    def _put(self, n: int, table: str, items: Any, meta: Any) -> None:
        self.produced = n + 1
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        path = self.spool / f"{n}.pickle"
        path.write_bytes(data)
        self._offer(_Page(table, path, len(data), copy.deepcopy(self._source_state()), meta))

    def _offer(self, got: _Page | _End) -> None:
        """Waits while the spool is full; gives up when the run is stopped."""
        while not self.stop.is_set():
            try:
                self.pages.put(got, timeout=1)
                return
            except queue.Full:
                continue


@dataclass
class _Package:
    """Pages taken from the feed for one package."""

    feed: _Feed
    limit: int
    most: int
    """Pages already waiting are taken past `limit` up to this."""
    taken: int = 0
    state: dict[str, Any] | None = None
    end: _End | None = None

    def pages(self) -> Iterator[_Page]:
        """Pages until the package is full, or until the feed ends; waits for pages while
        the package holds less than `limit`, then takes pages already waiting up to `most`.

        It waited for a quarter of `limit` only, to start loading sooner. Behind Gong's
        3/s a package then began as soon as it could and took what had come meanwhile: a
        paced run of 10,000 calls made 29 packages, each paying dlt's fixed part (its
        merge of every table, schema and state), on the main thread the requests share.
        Waiting for the whole made 25 and used 5-10% less CPU (147.6 and 151.6 CPU s
        against 154.6 and 167.8, two pairs), ended 4-9 s sooner, and peaked 10 MB higher
        (565 MB against 554)."""
        while self.taken < self.most:
            try:
                if self.taken < self.limit:
                    got = _next_page(self.feed.pages)
                else:
                    got = self.feed.pages.get_nowait()
            except queue.Empty:
                return
            if isinstance(got, _End):
                self.end = got
                if got.error is not None:
                    raise got.error
                self.state = got.state
                return
            self.taken += got.size
            self.state = got.state
            yield got


def _next_page(pages: queue.Queue[_Page | _End]) -> _Page | _End:
    """The feed's next page, waited for; a Ctrl-C meanwhile stops the run (`_stoppable`)."""
    while True:
        signals.raise_if_signalled()
        try:
            return pages.get(timeout=0.2)
        except queue.Empty:
            continue


@contextlib.contextmanager
def _stoppable(pipeline: dlt.Pipeline) -> Iterator[None]:
    """Ctrl-C (or SIGTERM) stops a run of many packages between them, or in the step it
    comes in. dlt's normalise and load catch the signal and act on it only where they
    look for it, then forget it as they end: one that came after their last look would
    have been lost, and the run gone on to its next package (seen: a Ctrl-C, exit 0). Caught
    here, for the whole run, dlt's own catching is a no-op (it nests), the signal is kept,
    and the run looks for it between packages and while it waits for pages. A second
    Ctrl-C still stops at once."""
    if not pipeline.runtime_config.intercept_signals:
        yield
        return
    with signals.intercepted_signals():
        yield


def _mirror(resource: DltResource, dispatch: DltResource) -> DltResource:
    """A transformer with the resource's name and hints that yields its pages."""
    name = resource.name

    def pages(page: _Items) -> Iterator[Any]:
        if page.table == name:
            yield page.items if page.meta is None else DataItemWithMeta(page.meta, page.items)

    hints: Any = copy.deepcopy(resource._hints)
    return DltResource.from_data(
        pages, name=name, section=resource.section, hints=hints, data_from=dispatch
    )


def _reconcile_pass(source: DltSource) -> set[str]:
    """The reconcile pass (`reconcile.removal_resources`: the calls gone from Gong, and
    their tombstones) compares Gong with the destination, which the packages load into
    while the feed reads: it runs first, in a package of its own, so that it compares with
    the destination as the run found it, as in one `pipeline.run`. Found by its parent,
    `gone_calls`."""
    passed = set()
    for name, resource in source.resources.items():
        parent = getattr(resource, "_pipe", None)
        parent = getattr(parent, "parent", None)
        if name == "gone_calls" or getattr(parent, "name", None) == "gone_calls":
            passed.add(name)
    return passed


def _package_source(source: DltSource, package: _Package, passed: set[str]) -> DltSource:
    """The next package as a source of the same name and schema as `source`."""

    def dispatch() -> Iterator[_Items]:
        for page in package.pages():
            items = pickle.loads(page.path.read_bytes())  # written by this process, above
            page.path.unlink()
            yield _Items(page.table, items, page.meta)
        if package.state is not None:
            # the positions this package's pages are complete up to
            state = dlt.current.source_state()
            state.clear()
            state.update(copy.deepcopy(package.state))

    dispatcher = DltResource.from_data(dispatch, name="_gong_pages", section=source.section)
    dispatcher.selected = False
    resources = [
        _mirror(r, dispatcher) for r in source.resources.selected.values() if r.name not in passed
    ]
    return DltSource(source.schema, source.section, [dispatcher, *resources])


@dataclass
class PackagedRun:
    """What the packages of one run loaded: the last package's LoadInfo (each package's
    is dropped once counted, so that a long run does not keep one per package alive), the
    load ids of all of them, and the rows per table."""

    info: LoadInfo
    loads_ids: list[str]
    row_counts: dict[str, int]


def _count(pipeline: dlt.Pipeline, info: LoadInfo, run: PackagedRun) -> None:
    """Adds the package's rows per table and its load id."""
    trace = pipeline.last_trace
    if trace is not None and trace.last_normalize_info is not None:
        for table, n in trace.last_normalize_info.row_counts.items():
            run.row_counts[table] = run.row_counts.get(table, 0) + n
    run.loads_ids.extend(info.loads_ids)
    run.info = info


def _fresh_spool(pipeline: dlt.Pipeline) -> Path:
    """The run's spool, `SPOOL_FOLDER` in the pipeline's working folder, emptied first.

    A run killed midway (SIGKILL, out of memory, a vanished machine) cannot remove its
    spool: in the system's temporary folder its pages, calls and transcripts as Gong sent
    them, stayed until a reboot (a killed paced run leaves up to `PAGES_AHEAD` pages).
    Here the pipeline's next run removes them, and so does dropping the pipeline's
    folder. One run of a pipeline at a time (`runner`'s lock), so no other run uses it."""
    spool = Path(pipeline.working_dir) / SPOOL_FOLDER
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir(parents=True)
    return spool


def run_in_packages(
    pipeline: dlt.Pipeline,
    source: DltSource,
    *,
    loader_file_format: Any = None,
    package_bytes: int = PACKAGE_BYTES,
    on_package: Callable[[str], None] | None = None,
    after_package: Callable[[], None] | None = None,
    paced: bool = True,
) -> PackagedRun:
    """Extracts, normalises and loads `source` in packages while the feed keeps reading;
    `on_package` gets a line for each package loaded (it is logged at INFO too), and
    `after_package` is called after each package but the last (a checkpoint). `paced`:
    whether the source's client paces its requests; only then may a package take the pages
    waiting past its size (`PACKAGE_BEHIND_FACTOR`)."""
    with _stoppable(pipeline):
        return _run_in_packages(
            pipeline, source, loader_file_format, package_bytes, on_package, after_package,
            paced,
        )  # fmt: skip


def _run_in_packages(
    pipeline: dlt.Pipeline,
    source: DltSource,
    loader_file_format: Any,
    package_bytes: int,
    on_package: Callable[[str], None] | None,
    after_package: Callable[[], None] | None,
    paced: bool,
) -> PackagedRun:
    first = pipeline.run()  # opens the destination and restores its state, before any request
    done = PackagedRun(first, [], {})
    passed = _reconcile_pass(source)
    reconcile = [r for n, r in source.resources.selected.items() if n in passed]
    if reconcile:  # compares with the destination as it was when the run started
        info = pipeline.run(
            DltSource(source.schema, source.section, reconcile),
            loader_file_format=loader_file_format,
        )
        _count(pipeline, info, done)
    spool = _fresh_spool(pipeline)
    name = source.schema.name
    schema = pipeline.schemas[name].clone() if name in pipeline.schemas else source.schema
    state = copy.deepcopy(dict(pipeline.state))
    feed = _Feed(source, state, schema, Container()[PipelineContext], spool, passed)
    behind = PACKAGE_BEHIND_FACTOR if paced else 1
    try:
        feed.start()
        number = 0
        while True:
            package = _Package(feed, package_bytes, package_bytes * behind)
            number += 1
            info = pipeline.run(
                _package_source(source, package, passed), loader_file_format=loader_file_format
            )
            trace = pipeline.last_trace
            _count(pipeline, info, done)
            steps = ", ".join(
                f"{s.step} {(s.finished_at - s.started_at).total_seconds():.1f} s"
                for s in (trace.steps if trace is not None else [])
                if s.finished_at is not None and s.step != "run"  # "run": the three together
            )
            rows = sum(n for t, n in done.row_counts.items() if not t.startswith("_dlt"))
            line = (
                f"package {number} loaded: {package.taken / 1e6:.1f} MB of spooled "
                f"pages ({steps}){', the last' if package.end is not None else ''}; "
                f"{rows:,} rows so far"
            )
            logger.info(line)
            if on_package is not None:
                on_package(line)
            if package.end is not None:
                break
            if after_package is not None:
                after_package()
            signals.raise_if_signalled()
        return done
    finally:
        feed.close()
        shutil.rmtree(spool, ignore_errors=True)
