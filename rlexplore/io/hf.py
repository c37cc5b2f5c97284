"""HuggingFace Trainer / TRL: ``trainer_state.json`` and the Trainer's console output.

Metric names follow the Trainer's TensorBoard callback, so that a run loads to the same
names from any of its files: ``eval_<x>`` becomes ``eval/<x>``, ``test_<x>`` becomes
``test/<x>``, every other key ``train/<x>`` (``train/loss``, ``train/epoch``,
``train/train_runtime``…).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..dataset.build import hparam_coords
from .base import (
    ANSI,
    Context,
    FileEntry,
    Interner,
    Loader,
    Table,
    Unit,
    decode_text,
    file_size,
    literal_dict,
    register,
    step_problem,
    table_from_records,
    text_head,
    to_number,
    to_step,
    value_problem,
)

#: trainer_state.json keys kept as hyperparameters (the Trainer arguments it records)
STATE_HPARAMS = (
    "logging_steps",
    "eval_steps",
    "save_steps",
    "train_batch_size",
    "num_train_epochs",
    "max_steps",
)
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def tb_name(key: str) -> str:
    """The name the Trainer's TensorBoard callback gives a logged key."""
    if key.startswith("eval_"):
        return "eval/" + key[5:]
    if key.startswith("test_"):
        return "test/" + key[5:]
    return "train/" + key


# --------------------------------------------------------------------------- trainer_state


class TrainerStateLoader(Loader):
    """``trainer_state.json`` of the HF Trainer and TRL: its ``log_history``, newest copy."""

    name = "trainer_state"
    description = "HuggingFace Trainer / TRL trainer_state.json (log_history); newest checkpoint"
    priority = 20

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        h = head.lstrip()
        return h.startswith(b"{") and b'"log_history"' in head

    def group(self, paths: list[Path], root: Path, given_file: bool) -> list[Unit]:
        """Several ``checkpoint-*/`` copies of one run: read only the newest."""
        by_run: dict[Path, list[Path]] = {}
        for p in paths:
            by_run.setdefault(_run_dir(p), []).append(p)
        units = []
        for _dir, files in sorted(by_run.items(), key=lambda kv: str(kv[0])):
            if any(_CHECKPOINT.match(f.parent.name) for f in files) and len(files) > 1:
                ranked = sorted(files, key=_global_step, reverse=True)
                unit = Unit(self, [ranked[0]], root, given_file, file_size(ranked[0]))
                unit.older = ranked[1:]
                units.append(unit)
            else:
                units.extend(Unit(self, [f], root, given_file, file_size(f)) for f in files)
        return units

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read the newest copy; when it is truncated or unreadable, the next newest."""
        out: list[Any] = []
        failed: list[FileEntry] = []
        state = None
        path = unit.paths[0]
        for path in [unit.paths[0], *unit.older]:
            entry = FileEntry(str(path), self.name)
            out.append(entry)
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError as err:
                entry.skip(f"unreadable file ({err.strerror or err})")
                failed.append(entry)
                continue
            ctx.progress(len(raw))
            try:
                state = json.loads(decode_text(raw))
            except RecursionError:
                entry.skip("malformed trainer_state (nested too deeply)")
            except ValueError as err:
                entry.skip(f"malformed JSON, truncated? ({err})")
            else:
                if isinstance(state, dict) and isinstance(state.get("log_history"), list):
                    break
                entry.skip("malformed trainer_state (no log_history list)")
            state = None
            failed.append(entry)
        for e in failed if unit.older else []:
            e.note(
                f"this copy could not be read: the run's last steps come from an older copy"
                f" ({path if state is not None else 'none readable'}) and may be missing"
            )
        read_entry = out[-1]
        for old in unit.older[len(out) - 1 :]:
            e = FileEntry(str(old), self.name)
            e.note(f"an older checkpoint copy of the run; {path} was read")
            out.append(e)
        if state is None:
            return out
        entry = read_entry
        history = state["log_history"]
        run_dir = _run_dir(path)
        name = ctx.run_name(run_dir, unit.root)
        stepped = []
        for rec in history:
            if not isinstance(rec, dict):
                entry.skip("log_history entries that are not objects")
                continue
            raw_step = rec.get("step")
            step = to_step(raw_step) if isinstance(raw_step, (int, float)) else None
            if step is None:
                entry.skip(
                    step_problem(raw_step) or "log_history entries without a whole-number step"
                )
                continue
            stepped.append((rec, step))
        metrics, m_idx, steps, values = _points(stepped, entry)
        hp = {k: state[k] for k in STATE_HPARAMS if isinstance(state.get(k), (int, float, str))}
        meta = {"source": str(path), "format": self.name, **hparam_coords(hp)}
        if not steps:
            entry.note("no logged values")
            return out
        out.append(
            table_from_records(
                (
                    "trainer_state",
                    str(run_dir.resolve()),
                    path.name if not _CHECKPOINT.match(path.parent.name) else "",
                ),
                name,
                metrics.names,
                m_idx,
                steps,
                values,
                None,
                entry,
                meta=meta,
                alt="/" + path.stem,
            )
        )
        return out


def _points(stepped, entry: FileEntry):
    """Points of Trainer log dicts paired with their steps, named as the TensorBoard callback does."""
    metrics = Interner()
    m_idx, steps, values = [], [], []
    for rec, step in stepped:
        for key, v in rec.items():
            if key == "step":
                continue
            x = to_number(v)
            if x is None:
                entry.skip(value_problem(v))
                continue
            m_idx.append(metrics(tb_name(key)))
            steps.append(step)
            values.append(x)
    return metrics, m_idx, steps, values


def _run_dir(path: Path) -> Path:
    parent = path.parent
    return parent.parent if _CHECKPOINT.match(parent.name) else parent


def _global_step(path: Path) -> tuple[int, int]:
    """Rank copies: the one with the most steps, ties to the run directory's own copy.

    A copy that cannot be parsed ranks by its checkpoint number (the run directory's own
    copy last of all), so a newest copy cut short is still known as the newest.
    """
    m = _CHECKPOINT.match(path.parent.name)
    ckpt = int(m.group(1)) if m else 1 << 62
    try:
        with open(path, "rb") as f:
            state = json.load(f)
        step = int(state.get("global_step") or 0)
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        step = ckpt  # unreadable: ranked by where it sits (a truncated newest stays newest)
    return (step, ckpt)


# --------------------------------------------------------------------------- console logs

_DICT_LINE = re.compile(r"\{'[^']+': ")
_TRAINER_KEYS = (
    "'loss'",
    "'train_runtime'",
    "'eval_loss'",
    "'learning_rate'",
    "'grad_norm'",
    "'reward'",
    "'epoch'",
    "'train_loss'",
)
_TOTAL = re.compile(r"Total (?:optimization )?steps = ([\d,]+)")
_TQDM = re.compile(r"\|\s*(\d+)/(\d+) \[")


class HFConsoleLoader(Loader):
    """The HF Trainer's console output: the printed log dicts, steps inferred."""

    name = "hf_console"
    description = "HuggingFace Trainer console output (printed {'loss': …} dicts)"
    priority = 80

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this format reads `path` (see :meth:`Loader.sniff`)."""
        if head.lstrip()[:2] in (b'{"', b"[{", b"[") or head.lstrip()[:1] == b"[":
            return False  # JSON, not a console log
        text = text_head(path, head)
        if text is None:
            return False
        for line in re.split(r"[\r\n]", ANSI.sub("", text)):
            line = line.lstrip()
            if (
                _DICT_LINE.match(line)
                and any(k in line for k in _TRAINER_KEYS)
                and _is_log_dict(literal_dict(line))
            ):
                return True
        return False

    def read(self, unit: Unit, ctx: Context) -> Iterable[Table | FileEntry]:
        """Read one unit (see :meth:`Loader.read`)."""
        path = unit.paths[0]
        entry = FileEntry(str(path), self.name)
        with open(path, "rb") as f:
            raw = f.read()
        ctx.progress(len(raw))
        text = ANSI.sub("", raw.decode("utf-8", "replace"))
        dicts: list[dict[str, Any]] = []
        for line in re.split(r"[\r\n]", text):
            line = line.lstrip()
            if not _DICT_LINE.match(line):
                continue
            d = literal_dict(line)
            if not _is_log_dict(d):
                continue
            keys = set(d)
            if (
                "epoch" in keys
                or keys & {"loss", "train_runtime", "eval_loss"}
                or any(k.startswith("eval_") for k in keys)
            ):
                dicts.append(d)
        if not dicts:
            entry.note("no Trainer log dicts found")
            return [entry]
        steps = _infer_steps(dicts, text, ctx.options.get("logging_steps"), entry)
        metrics, m_idx, st, vals = _points(zip(dicts, steps), entry)
        name = ctx.run_name(path.parent, unit.root, path)
        meta = {"source": str(path), "format": self.name}
        if not st:
            return [entry]
        return [
            entry,
            table_from_records(
                (self.name, str(path.resolve())),
                name,
                metrics.names,
                m_idx,
                st,
                vals,
                None,
                entry,
                meta=meta,
                alt="/" + path.stem,
            ),
        ]


def _is_log_dict(d: Any) -> bool:
    """A printed Trainer log: str keys, numbers or strings as values."""
    return (
        isinstance(d, dict)
        and bool(d)
        and all(
            isinstance(k, str) and (v is None or isinstance(v, (int, float, str)))
            for k, v in d.items()
        )
    )


def _infer_steps(
    dicts: list[dict[str, Any]], text: str, logging_steps: int | None, entry: FileEntry
) -> list[int]:
    """Steps of printed Trainer dicts, which carry no step key.

    The k-th training dict is step k × logging_steps. Without `logging_steps`, it is
    inferred from the epochs: steps per epoch = total steps / final epoch (both printed),
    logging_steps = round(first epoch × steps per epoch). Evaluation dicts take the step
    of their epoch; the final summary dict the total number of steps.
    """
    kinds = []
    for d in dicts:
        if "train_runtime" in d:
            kinds.append("summary")
        elif all(k.startswith(("eval_", "test_")) or k == "epoch" for k in d):
            kinds.append("eval")
        else:
            kinds.append("train")
    epochs = [to_number(d.get("epoch")) for d in dicts]
    total = None
    m = _TOTAL.search(text)
    if m:
        total = int(m.group(1).replace(",", ""))
    else:
        totals: dict[int, int] = {}
        for tm in _TQDM.finditer(text):
            totals[int(tm.group(2))] = totals.get(int(tm.group(2)), 0) + 1
        if totals:
            total = max(totals, key=lambda t: (totals[t], t))
    final_epoch = next((e for d, e, k in zip(dicts, epochs, kinds) if k == "summary" and e), None)
    spe = total / final_epoch if total and final_epoch else None
    train_epochs = [e for e, k in zip(epochs, kinds) if k == "train"]
    L = logging_steps
    if L is None:
        if spe and train_epochs and train_epochs[0]:
            L = max(1, round(train_epochs[0] * spe))
            entry.note(
                f"no step in the log: steps inferred as k × {L} (logging_steps from "
                f"{total} total steps over {final_epoch} epochs)"
            )
        else:
            L = 1
            entry.note(
                "no step in the log: the k-th logged dict is taken as step k "
                "(pass logging_steps= to scale)"
            )
    else:
        entry.note(f"steps are k × logging_steps = k × {L}")
    steps = []
    k = 0
    last = 0
    for e, kind in zip(epochs, kinds):
        if kind == "train":
            k += 1
            last = k * L
            steps.append(last)
        elif kind == "summary":
            steps.append(max(last, total or 0) if spe else last)
        else:
            steps.append(max(0, round(e * spe)) if (spe and e is not None) else last)
    return steps


register(TrainerStateLoader())
register(HFConsoleLoader())
