"""Never destroy a user's file: outputs replace only what they are meant to, folders we did not
create are never deleted, no command writes over its own input, bad --out values are refused
before any work, and a save killed half-way leaves nothing behind at the next write."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from playground.atomic import TEMP_SUFFIX, atomic_write, remove_stale_temporaries
from playground.cli import main
from playground.paths import EXPORT_MARKER, PathRefused, check_output, existing_kind


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_into_a_folder_of_user_files_is_refused_and_leaves_it_intact(tiny_model_file, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "holiday.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (photos / "sub").mkdir()
    (photos / "sub" / "notes.txt").write_text("keep me")
    before = _tree(photos)
    for extra in ([], ["--force"]):  # even --force never deletes a folder we did not create
        assert main(["export", str(tiny_model_file), "--out", str(photos), *extra]) == 2
        assert "never deleted" in capsys.readouterr().err
        assert _tree(photos) == before


def test_export_over_a_file_needs_force_and_then_replaces_it(tiny_model_file, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    assert main(["export", str(tiny_model_file), "--out", str(target)]) == 2
    assert "--force" in capsys.readouterr().err and target.read_text() == "my notes"
    assert main(["export", str(tiny_model_file), "--out", str(target), "--force"]) == 0
    assert (target / "saved_model.pb").is_file() and (target / EXPORT_MARKER).is_file()
    assert main(["info", str(target)]) == 2  # an export is named as one, not guessed at
    assert f"is a SavedModel export of {tiny_model_file}" in capsys.readouterr().err
    # An export of ours is replaced without --force, atomically, and nothing is left beside it.
    assert main(["export", str(tiny_model_file), "--out", str(target)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_train_refuses_its_own_dataset_and_bad_out_values_before_training(tmp_path, capsys):
    data = tmp_path / "data.txt"
    data.write_text("".join(f"{i}\t{i * 2}\n" for i in range(60)))
    before = data.read_bytes()
    for extra in ([], ["--force"]):
        assert main(["train", str(data), "--out", str(data), "--epochs", "1", *extra]) == 2
        err = capsys.readouterr().err
        assert "also an input" in err and "training on" not in err
    assert data.read_bytes() == before
    folder = tmp_path / "models"
    folder.mkdir()
    for out, words in ((str(folder), "is a folder"), ("", "empty"), ("  ", "empty")):
        assert main(["train", "digits:reverse", "--out", out, "--epochs", "1"]) == 2
        err = capsys.readouterr().err
        assert words in err and "training on" not in err  # refused before any training
    parent_is_file = data / "model.keras"
    assert main(["train", "digits:reverse", "--out", str(parent_is_file)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_an_output_folder_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, monkeypatch):
    """Found out at the end, a run's work would be lost: a real write into the folder decides."""
    import tempfile

    if os.path.isdir("/proc/self"):  # a folder no one may create files in, root included
        assert main(["train", "digits:reverse", "--out", "/proc/model.keras", "--epochs", "1"]) == 2
        err = capsys.readouterr().err
        assert "/proc/model.keras: cannot write in /proc" in err and "training on" not in err
    real_mkstemp = tempfile.mkstemp

    def read_only(*args, dir=None, **kwargs):
        if Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for out in (tmp_path / "m.keras", tmp_path / "new" / "folders" / "m.keras"):  # the nearest existing folder
        with pytest.raises(PathRefused, match=f"cannot write in {tmp_path} \\(Permission denied\\)"):
            check_output(out, "model")
    assert not list(tmp_path.iterdir())  # the probe leaves nothing behind
    assert check_output(tmp_path.parent / "elsewhere.keras", "model").name == "elsewhere.keras"


def test_a_model_replaces_only_a_model(tiny_model_file, tmp_path):
    midi = tmp_path / "tune.mid"
    midi.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0")
    assert existing_kind(tiny_model_file) == "model" and existing_kind(midi) == "midi"
    assert check_output(tiny_model_file, "model") == tiny_model_file
    with pytest.raises(PathRefused, match="MIDI file, not a model file") as refused:
        check_output(midi, "model")
    assert refused.value.forceable
    assert check_output(midi, "model", force=True) == midi


def test_generate_refuses_to_write_midi_over_a_model(tiny_model_file, tmp_path, capsys):
    other_model = tmp_path / "other.keras"
    other_model.write_bytes(tiny_model_file.read_bytes())
    before = other_model.read_bytes()
    assert main(["generate", str(tiny_model_file), "--out", str(other_model)]) == 2
    assert "a Keras model file, not a MIDI file" in capsys.readouterr().err
    assert main(["generate", str(tiny_model_file), "--out", str(tiny_model_file), "--force"]) == 2
    assert "also an input" in capsys.readouterr().err
    assert other_model.read_bytes() == before
    wav = tmp_path / "a.wav"
    assert main(["generate", str(tiny_model_file), "--out", str(wav), "--wav", str(wav)]) == 2
    assert "same file" in capsys.readouterr().err


def test_a_save_killed_half_way_leaves_nothing_at_the_next_write(tmp_path):
    """A real kill: a child process dies (SIGKILL) inside a write; the temporary it leaves is
    removed by the next write into that folder, and the target keeps its old content."""
    target = tmp_path / "model.keras"
    target.write_bytes(b"previous model")
    script = textwrap.dedent(f"""
        import os, signal
        from playground.atomic import atomic_write
        def write(handle):
            handle.write(b"half a model")
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        atomic_write({str(target)!r}, write)
    """)
    child = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert child.returncode == -9
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.keras"]
    assert len(leftovers) == 1 and TEMP_SUFFIX in leftovers[0]
    assert target.read_bytes() == b"previous model"
    atomic_write(tmp_path / "other.mid", lambda handle: handle.write(b"MThd"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras", "other.mid"]


def test_a_new_folder_or_file_is_readable_by_others_as_the_umask_says(tmp_path):
    """Exports were built in mkdtemp's 0700 folder and moved as they were: a model server
    running as another user could not read them."""
    from playground.atomic import atomic_replace_dir

    previous = os.umask(0o022)
    try:
        folder = atomic_replace_dir(tmp_path / "export", lambda tmp: (tmp / "saved_model.pb").write_bytes(b"x"))
        written = atomic_write(tmp_path / "m.keras", lambda handle: handle.write(b"PK"))
    finally:
        os.umask(previous)
    assert oct(folder.stat().st_mode & 0o777) == oct(0o755) and oct(written.stat().st_mode & 0o777) == oct(0o644)
    folder.chmod(0o750)  # a replaced folder keeps its mode
    assert atomic_replace_dir(folder, lambda tmp: None).stat().st_mode & 0o777 == 0o750


def test_a_full_disk_during_an_export_is_said_plainly(tiny_model, tmp_path, monkeypatch):
    """TensorFlow's "{{function_node __wrapped__SaveV2…}} <hidden temporary>…; No space left on
    device [Op:SaveV2]" was the message; the folder asked for and the reason are."""
    import playground.savedmodel as savedmodel

    def full_disk(model, path, *args):
        raise RuntimeError("{{function_node __wrapped__SaveV2_dtypes_29}} .sm.95.x.playground-tmp/variables/"
                           "variables_temp/part-00000; No space left on device [Op:SaveV2]")

    monkeypatch.setattr(savedmodel, "_export_here", full_disk)
    with pytest.raises(savedmodel.ExportError) as error:
        savedmodel.export_model(tiny_model, tmp_path / "sm")
    assert str(error.value) == f"{tmp_path / 'sm'}: could not write the export (no space left on device); nothing was changed"
    monkeypatch.setattr(savedmodel, "_export_here", lambda *args: 1 / 0)  # other faults stay what they are
    with pytest.raises(ZeroDivisionError):
        savedmodel.export_model(tiny_model, tmp_path / "sm")


def test_temporaries_of_a_live_process_and_foreign_files_are_kept(tmp_path):
    mine = tmp_path / f".model.keras.{os.getpid()}.abc{TEMP_SUFFIX}"
    mine.write_bytes(b"being written right now")
    lookalike = tmp_path / ".model.keras.notours.tmp"
    lookalike.write_bytes(b"user file")
    assert remove_stale_temporaries(tmp_path) == []
    assert mine.exists() and lookalike.exists()


@pytest.fixture
def answers(monkeypatch):
    from playground.ui import dialogs

    asked, replies = [], []
    monkeypatch.setattr(dialogs, "HOOK", lambda kind, title, text: asked.append((kind, title, text))
                        or (replies.pop(0) if replies else False))
    return asked, replies


def test_app_asks_before_replacing_and_refuses_foreign_folders(qtbot, tmp_path, answers):
    pytest.importorskip("pytestqt")
    from playground.ui import dialogs

    asked, replies = answers
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    assert dialogs.confirm_output(None, str(notes), "model") is None  # declined
    assert asked[-1][0] == "question" and "Replace it anyway" in asked[-1][2]
    replies.append(True)
    assert dialogs.confirm_output(None, str(notes), "model") == notes  # the user said Replace
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    assert dialogs.confirm_output(None, str(folder), "export") is None
    assert asked[-1][0] == "error" and "never deleted" in asked[-1][2]
    asked.clear()
    assert dialogs.confirm_output(None, str(tmp_path / "fresh.keras"), "model") == tmp_path / "fresh.keras"
    assert asked == []  # nothing there: nothing to ask
    tune = tmp_path / "tune.mid"
    tune.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0")
    tune.chmod(0o444)
    assert dialogs.confirm_output(None, str(tune), "midi") is None  # a MIDI over a MIDI, but read-only: asked
    assert asked[-1][1] == "Replace a read-only file?" and "tune.mid: is read-only" in asked[-1][2]


def test_app_export_onto_user_folder_keeps_its_files(qtbot, tmp_path, answers, tiny_model, monkeypatch):
    pytest.importorskip("pytestqt")
    from playground.ui import export_actions
    from playground.ui.main_window import MainWindow
    from playground.ui.settings import Settings

    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    asked, _ = answers
    window = MainWindow(Settings(), autoload=False)
    qtbot.addWidget(window)
    window.state.set_model(tiny_model, None)
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    export_actions.export_savedmodel(window, str(folder))
    assert (folder / "thesis.tex").read_text() == "years of work" and len(list(folder.iterdir())) == 1
    assert asked[-1][0] == "error" and "never deleted" in asked[-1][2]
    plain = tmp_path / "notes.keras"
    plain.write_text("not a model")
    export_actions.save_model(window, str(plain))  # declined: the question is answered "no"
    assert plain.read_text() == "not a model"
    assert "Replace it anyway" in asked[-1][2]


def test_the_api_refuses_what_the_cli_refuses_and_read_only_files_are_kept(tmp_path):
    """One path: TrainRequest goes through the same output rules before any work."""
    from playground.training.session import SessionError, TrainRequest, train

    notes = tmp_path / "victim.txt"
    notes.write_text("precious")
    request = TrainRequest("digits:reverse", str(notes), model={"units": 8}, train={"epochs": 1},
                           data_options={"task_size": 100})
    with pytest.raises(PathRefused, match="refused to replace it"):
        train(request, callback=lambda event: pytest.fail(f"work began: {event}"))
    assert notes.read_text() == "precious"
    tune = tmp_path / "tune.mid"
    tune.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0")
    tune.chmod(0o444)  # the user's word, even to root, whom the mode does not stop
    with pytest.raises(PathRefused, match="tune.mid: is read-only"):
        check_output(tune, "midi")
    assert check_output(tune, "midi", force=True) == tune
    for wrong, words in (({"out": None}, "TrainRequest.out must be a path"),
                         ({"model": None}, "TrainRequest.model must be a dict"),
                         ({"task": "translation"}, "TrainRequest.task must be translate or lm"),
                         ({"music": {"encodng": "events"}}, "unknown music option(s) encodng")):
        with pytest.raises(SessionError, match=words.replace("(", r"\(").replace(")", r"\)")):
            TrainRequest(**{"source": "digits:copy", "out": "m.keras", **wrong})
