"""Keep all LocalStack state across restarts: community's `PERSISTENCE=1` saves nothing.

On shutdown the state containers of every running service (LocalStack stores, moto backends, asset
folders) are pickled into a new snapshot folder, together with the S3 object bodies, which live in
anonymous temporary files. A symlink swap then makes that snapshot current in one atomic step, so a
crash mid-save leaves the previous snapshot in place. On start the snapshot's services are started
in dependency order and their containers are refilled in place, so that the module-level
references the providers hold stay valid.

Layout under `$LOCALCLOUD_STATE_DIR`: `current -> snapshot-<ns>/`, holding `manifest.json`, one
folder per service and, with continuous saving on (`LOCALCLOUD_SAVE_INTERVAL`), `journal.log`: the
writes since that snapshot, replayed after it on start (localcloud/journal.py, decision 0021).
"""

from __future__ import annotations

import _thread
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, BinaryIO

from localstack.runtime import hooks
from localstack.services.plugins import SERVICE_PLUGINS, Service, ServiceState
from localstack.services.stores import AccountRegionBundle
from localstack.state import AssetDirectory, StateVisitor, pickle
from localstack.state.pickle import add_dispatch_entry
from moto.core.base_backend import BackendDict

LOG = logging.getLogger(__name__)

STATE_DIR_ENV = "LOCALCLOUD_STATE_DIR"
CURRENT = "current"
SNAPSHOT_PREFIX = "snapshot-"
TMP_PREFIX = ".tmp-"
MANIFEST = "manifest.json"
S3_BODIES = "s3-bodies"
S3_INDEX = "index.json"
FORMAT = 1
CHUNK = 1024 * 1024
DUMP_ATTEMPTS = 3

# Services a later one depends on come first (the Lambda code archives live in S3, ESMs poll SQS...).
LOAD_ORDER = (
    "sts",
    "iam",
    "kms",
    "secretsmanager",
    "ssm",
    "s3",
    "dynamodb",
    "dynamodbstreams",
    "sqs",
    "sns",
    "logs",
    "events",
    "scheduler",
    "lambda",
    "apigateway",
    "cloudformation",
)

# Services whose saved state could not be loaded: their previous snapshot is carried over on save
# instead of being overwritten by an empty service.
_not_loaded: set[str] = set()


# dill 0.3.6 restores a lock as held when its repr says so; on Python 3.13 an unlocked RLock reads
# "owner=0 count=0" and comes back owned by a thread that does not exist, which deadlocks the first
# `with lock`. A restored process has no holders and no waiters, so locks always come back free.
def _save_lock(pickler: Any, obj: Any) -> None:
    pickler.save_reduce(_thread.allocate_lock, (), obj=obj)


def _save_rlock(pickler: Any, obj: Any) -> None:
    pickler.save_reduce(threading.RLock, (), obj=obj)


def _save_condition(pickler: Any, obj: threading.Condition) -> None:
    pickler.save_reduce(threading.Condition, (obj._lock,), obj=obj)  # type: ignore[attr-defined]


# defaultdict's own reduce calls `type(obj)(default_factory)`, which breaks subclasses whose __init__
# takes other arguments (moto's SSM ParameterDict): create them without calling __init__.
def _save_defaultdict(pickler: Any, obj: defaultdict[Any, Any]) -> None:
    state = getattr(obj, "__dict__", None) or None
    args = (type(obj), obj.default_factory)
    pickler.save_reduce(_new_defaultdict, args, state=state, dictitems=iter(obj.items()), obj=obj)


def _new_defaultdict(cls: type[defaultdict[Any, Any]], default_factory: Any) -> defaultdict[Any, Any]:
    obj = cls.__new__(cls)
    defaultdict.__init__(obj, default_factory)
    return obj


add_dispatch_entry(_thread.LockType, _save_lock)
add_dispatch_entry(_thread.RLock, _save_rlock)
add_dispatch_entry(threading.Condition, _save_condition)
add_dispatch_entry(defaultdict, _save_defaultdict, subclasses=True)


# One snapshot at a time: the continuous saver's and the shutdown's.
_SAVE_LOCK = threading.Lock()


@hooks.on_infra_shutdown(priority=100)
def save_state() -> None:
    """Snapshot every running service before LocalStack stops them (priority above service shutdown)."""
    from localcloud.journal import JOURNAL_FILE

    root = _state_root()
    if root is None:
        return
    started = time.monotonic()
    try:
        count = save_snapshot(root)
    except Exception:
        LOG.exception("localcloud: saving state failed; the previous snapshot (and its journal) is kept")
        return
    finally:
        JOURNAL_FILE.sync()
    LOG.info("localcloud: saved %d services to %s in %.2fs", count, root, time.monotonic() - started)


def save_snapshot(root: Path) -> int:
    """A new snapshot of every running service; with the journal on, the records written while it is
    taken go to both journals, so whichever snapshot is current after a crash has them all."""
    from localcloud.journal import JOURNAL, JOURNAL_FILE

    with _SAVE_LOCK:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=root))
        journaling = JOURNAL_FILE.active
        if journaling:
            JOURNAL_FILE.begin_snapshot(tmp / JOURNAL)
        committed = False
        try:
            count = _save(root, tmp)
            committed = True
        finally:
            if journaling:
                JOURNAL_FILE.end_snapshot(committed)
        return count


@hooks.on_infra_ready(priority=10)
def load_state() -> None:
    """Load the current snapshot and replay its journal, then (when configured) keep saving; priority 10
    runs it before the READY init stage reports completion."""
    from localcloud import journal

    root = _state_root()
    if root is None:
        return
    _load(root)
    interval = journal.save_interval()
    if interval > 0:
        if _current_snapshot(root) is None:
            save_snapshot(root)  # something to journal against
        snapshot = _current_snapshot(root)
        assert snapshot is not None
        journal.start(root, snapshot, interval)


def _load(root: Path) -> None:
    from localcloud import journal

    snapshot = _current_snapshot(root)
    if snapshot is None:
        return
    started = time.monotonic()
    try:
        services = _read_manifest(snapshot)
    except (OSError, ValueError, KeyError):
        # Start empty rather than not at all, and keep the unreadable snapshot out of the clean-up.
        aside = snapshot.with_name(f"unreadable-{snapshot.name}")
        LOG.exception("localcloud: cannot read %s; moved it to %s and starting empty", snapshot, aside)
        snapshot.rename(aside)
        (root / CURRENT).unlink()
        return
    for name in _load_order(services):
        try:
            _load_service(name, snapshot / name, services[name])
        except Exception:
            LOG.exception("localcloud: could not load the saved state of %s; it is kept on disk", name)
            _not_loaded.add(name)
    replayed = journal.replay(snapshot / journal.JOURNAL)
    LOG.info(
        "localcloud: loaded %d services and %d journal records from %s in %.2fs",
        len(services) - len(_not_loaded),
        replayed,
        snapshot,
        time.monotonic() - started,
    )


def _state_root() -> Path | None:
    value = os.environ.get(STATE_DIR_ENV)
    return Path(value) if value else None


def _current_snapshot(root: Path) -> Path | None:
    current = root / CURRENT
    return current.resolve() if current.is_dir() else None


def _read_manifest(snapshot: Path) -> dict[str, list[dict[str, str]]]:
    manifest = json.loads((snapshot / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unsupported state format {manifest.get('format')} in {snapshot}")
    services: dict[str, list[dict[str, str]]] = manifest["services"]
    return services


def _load_order(services: dict[str, Any]) -> list[str]:
    known = [name for name in LOAD_ORDER if name in services]
    return known + sorted(set(services) - set(known))


# --- containers -------------------------------------------------------------------------------


class _Collector(StateVisitor):
    """Collects a service's state containers under keys that are stable across processes."""

    def __init__(self) -> None:
        self.containers: dict[str, Any] = {}

    def visit(self, state_container: Any) -> None:
        key = _container_key(state_container)
        if key is None:
            LOG.warning("localcloud: cannot persist state container %r", state_container)
        else:
            self.containers[key] = state_container


def _container_key(container: Any) -> str | None:
    match container:
        case AccountRegionBundle():
            return f"stores:{_qualname(container.store)}"
        case BackendDict():
            return f"moto:{_qualname(container.backend)}"
        case AssetDirectory():
            return f"assets:{container.path}"
    return None


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _state_containers(service: Service) -> dict[str, Any]:
    collector = _Collector()
    # A provider without a visitor of its own (our dynamodb:moto) is visited by reflection, which
    # finds moto's `<service>_backends` and LocalStack's `<service>_stores`.
    service.accept_state_visitor(collector)
    if service.name() == "s3":
        # S3's asset folder holds only anonymous temporary files and is shared by every LocalStack on
        # the machine; the bodies are saved through the storage backend instead.
        return {key: value for key, value in collector.containers.items() if not key.startswith("assets:")}
    return collector.containers


def _provider(service: Service) -> Any:
    # The provider owns runtime objects (storage backend, event helpers) that need restoring.
    return service._provider


# --- save -------------------------------------------------------------------------------------


def _save(root: Path, tmp: Path) -> int:
    previous = _current_snapshot(root)
    services: dict[str, list[dict[str, str]]] = {}
    for name, service in _running_services():
        if name in _not_loaded:
            continue
        try:
            services[name] = _save_service(service, tmp / name)
        except Exception:
            LOG.exception("localcloud: could not save %s; keeping its previous state", name)
            shutil.rmtree(tmp / name, ignore_errors=True)
    if previous is not None:
        for name, entries in _read_manifest(previous).items():
            if name not in services:  # not running now, or its saved state failed to load
                shutil.copytree(previous / name, tmp / name)
                services[name] = entries
    _write_file(tmp / MANIFEST, json.dumps({"format": FORMAT, "services": services}, indent=1).encode())
    _commit(root, tmp)
    return len(services)


def _running_services() -> Iterator[tuple[str, Service]]:
    for name in SERVICE_PLUGINS.list_loaded_services():
        container = SERVICE_PLUGINS.get_service_container(name)
        if container is not None and container.state == ServiceState.RUNNING:
            yield name, container.service


def _save_service(service: Service, folder: Path) -> list[dict[str, str]]:
    folder.mkdir()
    service.lifecycle_hook.on_before_state_save()
    entries = []
    with _operation_lock(service.name()):
        for index, (key, container) in enumerate(_state_containers(service).items()):
            if isinstance(container, AssetDirectory):
                if not Path(container.path).is_dir():
                    continue
                file = f"{index}.assets"
                shutil.copytree(container.path, folder / file, symlinks=True)
            else:
                file = f"{index}.pickle"
                _write_file(folder / file, _dumps(container, fast=key.startswith(FAST_PICKLED)))
            entries.append({"key": key, "file": file})
    if service.name() == "s3":
        _save_s3_bodies(_provider(service)._storage_backend, folder / S3_BODIES)
    service.lifecycle_hook.on_after_state_save()
    return entries


def _operation_lock(name: str) -> AbstractContextManager[Any]:
    """Our dynamodb:moto provider runs every operation under one lock: holding it while pickling keeps
    half a transaction out of the snapshot."""
    if name == "dynamodb":
        from localcloud.dynamodb import DYNAMODB_LOCK

        return DYNAMODB_LOCK
    return nullcontext()


# Pickled with the C pickler: moto's tables hold most of the bank, and dill takes 14 s for 20,000 items
# where the C pickler takes 1 s (dill's unpickler reads both).
FAST_PICKLED = "moto:moto.dynamodb."


def _dumps(container: Any, fast: bool = False) -> bytes:
    if fast:
        from localcloud.journal import fast_dumps

        return fast_dumps(container)
    for attempt in range(1, DUMP_ATTEMPTS + 1):
        try:
            return pickle.dumps(container)
        except RuntimeError:
            # A request thread resized a dict mid-walk ("changed size during iteration"): walk again.
            if attempt == DUMP_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as file:
        file.write(data)
        _sync(file)


def _sync(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


def _commit(root: Path, tmp: Path) -> None:
    """Make `tmp` the current snapshot with one atomic rename of a symlink, then drop older ones."""
    snapshot = root / f"{SNAPSHOT_PREFIX}{time.time_ns()}"
    tmp.rename(snapshot)
    link = root / f"{TMP_PREFIX}{CURRENT}"
    link.unlink(missing_ok=True)
    link.symlink_to(snapshot.name)
    os.replace(link, root / CURRENT)
    directory = os.open(root, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    for stale in root.iterdir():
        if stale != snapshot and stale.name.startswith((SNAPSHOT_PREFIX, TMP_PREFIX)):
            shutil.rmtree(stale, ignore_errors=True)


# --- load -------------------------------------------------------------------------------------


def _load_service(name: str, folder: Path, entries: list[dict[str, str]]) -> None:
    service = SERVICE_PLUGINS.require(name)
    service.lifecycle_hook.on_before_state_load()
    live = _state_containers(service)
    for entry in entries:
        container = live.get(entry["key"])
        if container is None:
            raise LookupError(f"{name} has no state container {entry['key']} any more")
        _refill(container, folder / entry["file"])
    if name == "s3":
        _load_s3_bodies(_provider(service)._storage_backend, folder / S3_BODIES)
    if name == "events":
        _rebuild_events(_provider(service))
    service.lifecycle_hook.on_after_state_load()


def _refill(live: Any, path: Path) -> None:
    """Replace a live container's contents with the saved ones, keeping the container object itself."""
    if isinstance(live, AssetDirectory):
        shutil.rmtree(live.path, ignore_errors=True)
        shutil.copytree(path, live.path, symlinks=True)
        return
    with path.open("rb") as file:
        saved = pickle.load(file)
    if isinstance(live, AccountRegionBundle):
        with live.lock:
            live.clear()
            live._universal = saved._universal
            for region_bundle in saved.values():
                region_bundle.lock = live.lock  # all bundles of a service share one lock
            live.update(saved)
    else:
        live.clear()
        live.update(saved)


# --- S3 object bodies -------------------------------------------------------------------------


def _buckets() -> dict[str, Any]:
    from localstack.services.s3.models import s3_stores

    # Buckets are a cross-region attribute: every region's store of an account shows the same dict.
    return {
        bucket.name: bucket for _, _, store in s3_stores.iter_stores() for bucket in store.buckets.values()
    }


def _objects(bucket: Any) -> Iterator[Any]:
    from localstack.services.s3.models import S3Object

    # Delete markers have no body.
    return (obj for obj in bucket.objects.values(with_versions=True) if isinstance(obj, S3Object))


def _save_s3_bodies(backend: Any, folder: Path) -> None:
    """Write every object version's and multipart part's bytes, keyed by name (the backend's keys are
    `hash()`es of the name, which change with each process)."""
    folder.mkdir()
    index: list[dict[str, Any]] = []
    for bucket in _buckets().values():
        for obj in _objects(bucket):
            file = str(len(index))
            with backend.open(bucket.name, obj, mode="r") as stored:
                _copy_out(stored, folder / file)
            index.append({"bucket": bucket.name, "key": obj.key, "version": obj.version_id, "file": file})
        for upload_id, multipart in bucket.multiparts.items():
            stored_multipart = backend.get_multipart(bucket.name, multipart)
            for part_key, part in multipart.parts.items():
                file = str(len(index))
                with stored_multipart.open(part, mode="r") as stored:
                    _copy_out(stored, folder / file)
                index.append({"bucket": bucket.name, "upload": upload_id, "part": part_key, "file": file})
    _write_file(folder / S3_INDEX, json.dumps(index).encode())


def _copy_out(stored: Any, path: Path) -> None:
    with path.open("wb") as file:
        while chunk := stored.read(CHUNK):
            file.write(chunk)
        _sync(file)


def _load_s3_bodies(backend: Any, folder: Path) -> None:
    buckets = _buckets()
    for name in buckets:
        backend.create_bucket(name)
    objects = {
        (name, obj.key, obj.version_id): obj for name, bucket in buckets.items() for obj in _objects(bucket)
    }
    for record in json.loads((folder / S3_INDEX).read_text()):
        bucket_name = record["bucket"]
        if "upload" in record:
            multipart = buckets[bucket_name].multiparts[record["upload"]]
            part = multipart.parts[record["part"]]
            stored = backend.get_multipart(bucket_name, multipart).open(part, mode="w")
            _restore_body(stored, part, folder / record["file"])
        else:
            obj = objects[(bucket_name, record["key"], record["version"])]
            _restore_body(backend.open(bucket_name, obj, mode="w"), obj, folder / record["file"])


def _restore_body(stored: Any, target: Any, path: Path) -> None:
    etag = target.etag
    with stored, path.open("rb") as body:
        stored.write(body)
    # write() sets a plain MD5; a multipart object's ETag is "<md5 of md5s>-<parts>".
    target.etag = etag


# --- events -----------------------------------------------------------------------------------


def _rebuild_events(provider: Any) -> None:
    """The events provider keeps runtime helpers (bus and rule services, target senders, schedule jobs)
    beside its stores and has no load hook of its own; rebuild them from the loaded rules."""
    from localstack.services.events.event_bus import EventBusService
    from localstack.services.events.models import events_stores
    from localstack.services.events.rule import RuleService

    for account_id, region, store in events_stores.iter_stores():
        for bus in store.event_buses.values():
            provider._event_bus_services_store[bus.arn] = EventBusService(bus)
            for rule in bus.rules.values():
                rule_service = RuleService(rule)
                provider._rule_services_store[rule.arn] = rule_service
                for target in rule.targets.values():
                    provider.create_target_sender(target, rule.arn, rule.name, region, account_id)
                if rule_service.schedule_cron:
                    job = provider._get_scheduled_rule_job_function(account_id, region, rule)
                    rule_service.create_schedule_job(job)
