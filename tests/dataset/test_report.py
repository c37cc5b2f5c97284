"""The typed load report: one merge, a faithful round trip through attrs, clear errors."""

import json

import pytest

import rlexplore as rlx
from rlexplore.dataset import FileEntry, LoadReport, from_columns, load_report, set_report


def report(path: str, points: int, **kw) -> LoadReport:
    entry = FileEntry(path, "jsonl", points=points, runs=[path.split(".")[0]])
    entry.skip("non-numeric values", 2)
    entry.superseded = 1
    entry.note("a note")
    return LoadReport(files=[entry], sources=[path], build={"points": points}, **kw)


def test_merge_joins_files_and_adds_counts():
    a = report("a.jsonl", 10, ignored=1, ignored_examples=["x.txt"], warnings=["w1"])
    b = report("b.jsonl", 5, ignored=2, ignored_examples=["y.txt"], warnings=["w1", "w2"])
    m = a.merge(b)
    assert [f.path for f in m.files] == ["a.jsonl", "b.jsonl"]
    assert m.sources == ["a.jsonl", "b.jsonl"]
    assert m.build == {"points": 15, "datasets": 2}
    assert m.ignored == 3 and m.ignored_examples == ["x.txt", "y.txt"]
    assert m.warnings == ["w1", "w2"] and m.superseded == 2
    assert m.merge(report("c.jsonl", 1)).build["datasets"] == 3


def test_round_trip_through_attrs():
    ds = from_columns(["r"], ["m"], [1], [1.0])
    rep = report("a.jsonl", 1, options={"restarts": "split"}, warnings=["careful"])
    rep.skipped_folders.append({"path": "notes", "reason": "nothing to load"})
    set_report(ds, rep)
    assert load_report(ds) == rep
    assert json.loads(ds.attrs["load_report"]) == rep.as_dict() == rlx.get_report(ds)
    text = rep.format(ds)
    assert "a.jsonl [jsonl] → a" in text and "skipped 2 non-numeric values" in text
    assert "folder notes: nothing to load" in text and "warning: careful" in text


def test_no_report_and_plain_builder_reports():
    ds = rlx.demo("dashboard")
    ds.attrs.clear()
    assert rlx.get_report(ds) == {} and load_report(ds) == LoadReport()
    built = from_columns(["r", "r"], ["m", "m"], [1, 1], [1.0, 2.0], report={"sources": ["x"]})
    assert rlx.get_report(built)["build"] == {"points": 2, "duplicates_resolved": 1}
    assert rlx.get_report(built)["sources"] == ["x"]


@pytest.mark.parametrize("bad", [[], {"files": {}}, {"files": [{"path": "a", "points": "x"}]}])
def test_set_report_refuses_what_is_not_a_report(bad):
    with pytest.raises(ValueError, match="load report|file entry"):
        set_report(rlx.demo("dashboard"), bad)
