"""The command line through its real entry point: the exact contract other tools rely on."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from playground.cli import main


def run_cli(*args, stdin=None):
    """The installed entry point as a user runs it (python -m playground), with the user's
    default logging (not the test session's)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True, text=True,
                          input=stdin, timeout=600, env=env)


def test_datasets_json_lists_builtins():
    result = run_cli("datasets", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    names = {r["name"] for r in rows}
    assert {"digits:copy", "digits:reverse", "digits:sort", "digits:add", "numbers:words", "dates:iso",
            "text:sample", "midi:sample"} <= names
    assert all({"name", "kind", "description"} <= set(r) for r in rows)


def test_data_info_reports_skipped_lines(tmp_path, capsys):
    data = tmp_path / "pairs.txt"
    data.write_bytes("\ufeffGo.\tVa !\r\nbroken line\r\nHi.\tSalut.\tCC-BY attribution\r\n\r\nRun!\tCours !\r\n"
                     .encode("utf-8"))
    assert main(["data-info", str(data), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["skipped_count"] == 1
    assert info["skipped"][0]["line"] == 2 and "tab" in info["skipped"][0]["reason"]
    assert sum(info["counts"].values()) == 3
    assert info["vocab_sizes"]["source"] > 4


def test_errors_are_one_line_with_exit_code_2(tmp_path):
    result = run_cli("data-info", str(tmp_path / "missing.txt"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "missing.txt" in result.stderr and "Traceback" not in result.stderr
    bad_model = tmp_path / "bad.keras"
    bad_model.write_text("nope")
    result = run_cli("translate", str(bad_model), "hello")
    assert result.returncode == 2 and "bad.keras" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    debug = run_cli("--debug", "info", str(bad_model))
    assert debug.returncode != 0 and "Traceback" in debug.stderr
    with pytest.raises(Exception, match="bad.keras"):  # --debug after the command works too
        main(["info", str(bad_model), "--debug"])


def test_columns_choose_the_input_and_target_of_a_pairs_file(tmp_path, capsys):
    data = tmp_path / "c3.csv"
    data.write_text("id,en,fr\n1,Hello,Bonjour\n2,Thanks,\n" + "".join(f"{n},Hi {n},Salut {n}\n" for n in range(3, 40)),
                    encoding="utf-8")
    described = {}
    for columns in ("1,2", "2,3", "3,2"):
        assert main(["data-info", str(data), "--columns", columns, "--level", "char", "--json"]) == 0
        described[columns] = json.loads(capsys.readouterr().out)
    assert described["1,2"]["header"] == "id,en,fr" and described["1,2"]["skipped_count"] == 0
    assert [s["reason"] for s in described["2,3"]["skipped"]] == ["empty target"]
    assert [s["reason"] for s in described["3,2"]["skipped"]] == ["empty source"]
    assert described["2,3"]["vocab_sizes"] == {"source": 20, "target": 25}  # English in, French out
    assert described["3,2"]["vocab_sizes"] == {"source": 25, "target": 20}
    preview = described["2,3"]["preview"]  # the first training pairs, as text
    assert len(preview) == 5 and all(p[0].startswith(("Hi", "Hello")) for p in preview)
    assert [p[::-1] for p in described["3,2"]["preview"]] == preview
    for wrong, message in (("2,2", "must differ"), ("0,1", "1 = the first column")):
        with pytest.raises(SystemExit) as exited:
            main(["data-info", str(data), "--columns", wrong])
        assert exited.value.code == 2 and message in capsys.readouterr().err
    # The user says whether line 1 names the columns; undetectable names are data unless told.
    plain = tmp_path / "plain.tsv"
    plain.write_text("Hello\tBonjour\n" + "".join(f"Hi {n}\tSalut {n}\n" for n in range(40)), encoding="utf-8")
    assert main(["data-info", str(plain)]) == 0
    assert "header: none (line 1 is data; --header if it names the columns)" in capsys.readouterr().out
    assert main(["data-info", str(plain), "--header", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["header"] == "Hello\tBonjour"
    assert main(["data-info", str(data), "--no-header", "--columns", "2,3", "--level", "char", "--json"]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert kept["header"] is None and kept["vocab_sizes"]["target"] > described["2,3"]["vocab_sizes"]["target"]


def test_unknown_builtin_names_the_valid_ones(capsys):
    assert main(["data-info", "digits:multiply"]) == 2
    err = capsys.readouterr().err
    assert "digits:multiply" in err and "digits:reverse" in err and "midi:sample" in err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "m"
    result = run_cli("train", "digits:reverse", "--out", str(out), "--mode", "attention", "--units", "16",
                     "--embedding-dim", "8", "--epochs", "2", "--max-samples", "300", "--batch-size", "32",
                     "--seed", "1", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    return out, json.loads(result.stdout)


def test_train_writes_model_and_reports_test_metrics(trained):
    out, summary = trained
    assert out.exists()
    assert summary["status"] == "done" and summary["epochs"] == 2
    assert set(summary["test_metrics"]) >= {"exact_match", "token_accuracy", "bleu", "chrf", "n"}
    assert summary["test_metrics"]["bleu_tokenize"] == "char"  # digit strings: one word each


def test_evaluate_uses_the_recorded_test_split(trained, capsys):
    out, summary = trained  # trained in another process: the split comes from the model file
    assert main(["evaluate", str(out), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == summary["test_metrics"]["n"]
    assert metrics["exact_match"] == pytest.approx(summary["test_metrics"]["exact_match"])
    assert metrics["chrf"] == pytest.approx(summary["test_metrics"]["chrf"])


def test_evaluate_on_a_file_counts_its_unusable_lines(trained, tmp_path, capsys):
    out, _ = trained
    pairs = tmp_path / "pairs.tsv"
    good = [f"{n}\t{str(n)[::-1]}" for n in range(120, 140)]
    pairs.write_text("\n".join(good[:10] + ["no tab here", "\tnothing to read", "54321\t"] + good[10:]) + "\n",
                     encoding="utf-8")
    assert main(["evaluate", str(out), str(pairs), "--json"]) == 0
    result = capsys.readouterr()
    assert json.loads(result.out)["n"] == 20
    assert (f"note: {pairs}: 3 line(s) skipped: line 11 (no tab separator); line 12 (empty source); "
            "line 13 (empty target)") in result.err


def test_translate_args_stdin_and_n_best(trained, capsys):
    out, _ = trained
    assert main(["translate", str(out), "123", "4567", "12a", " ", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in rows] == ["123", "4567", "12a", " "]
    assert set(rows[3]) == set(rows[0]) and rows[3]["output"] == ""  # a blank input: the same fields
    rows = rows[:3]
    assert rows[2]["unknown"] == ["a"]
    assert [r["score_kind"] for r in rows] == ["log-probability"] * 3
    assert all(r["score"] == r["log_probability"] for r in rows)
    piped = run_cli("translate", str(out), stdin="123\n4567\n\n12a\n")  # a real pipe, a blank line kept
    outputs = [r["output"] for r in rows]
    assert piped.stdout.splitlines() == outputs[:2] + [""] + outputs[2:]
    assert piped.returncode == 0 and "input 4: unknown" in piped.stderr
    assert all(line.startswith("note: ") for line in piped.stderr.splitlines())  # no runtime log lines
    assert main(["translate", str(out), "123", "4567", "--beam", "4", "--n-best", "3"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.strip().splitlines()]
    assert [line[:2] for line in lines] == [["1", "1"], ["1", "2"], ["1", "3"], ["2", "1"], ["2", "2"], ["2", "3"]]
    scores = [float(line[2]) for line in lines[:3]]
    assert scores == sorted(scores, reverse=True)  # best first
    assert main(["translate", str(out), "123", "--beam", "4", "--json"]) == 0
    beam = json.loads(capsys.readouterr().out)[0]
    assert beam["score_kind"].startswith("length-normalised") and beam["log_probability"] <= beam["score"] + 1e-6


def test_info_and_export(trained, tmp_path, capsys):
    out, _ = trained
    info = json.loads(run_cli("info", str(out), "--json").stdout)
    assert info["model_config"]["mode"] == "attention" and len(info["history"]) == 2
    assert main(["info", str(out)]) == 0  # as text: an LSTM's settings, not a Transformer's
    shown = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("model_config:"))
    assert '"units": 16' in shown and '"attention": "general"' in shown and "d_model" not in shown
    # In this process from here on: the entry point's own exit codes are checked above.
    assert main(["export", str(out), "--format", "savedmodel", "--out", str(tmp_path / "sm")]) == 0
    assert (tmp_path / "sm" / "saved_model.pb").exists()
    assert main(["export", str(out), "--format", "pickle", "--out", str(tmp_path / "x")]) == 2
    assert "savedmodel, onnx, tflite" in capsys.readouterr().err
    assert main(["export", str(out), "--format", "onnx", "--quantize", "dynamic", "--out", str(tmp_path / "x")]) == 2
    assert "--quantize applies to --format tflite only" in capsys.readouterr().err
    if importlib.util.find_spec("tf2onnx"):
        assert main(["export", str(out), "--format", "onnx", "--out", str(tmp_path / "onnx")]) == 0
        assert "encoder.onnx" in capsys.readouterr().out and (tmp_path / "onnx" / "model.json").exists()


def test_resume_continues_from_checkpoint(trained, tmp_path, capsys):
    out, _ = trained
    resumed = tmp_path / "resumed"
    assert main(["train", "digits:reverse", "--out", str(resumed), "--resume", str(out), "--epochs", "3",
                 "--max-samples", "300", "--batch-size", "32", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["epochs"] == 3
    assert main(["info", str(resumed), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [e["epoch"] for e in info["history"]] == [1, 2, 3]


def test_language_model_train_and_generate(tmp_path, capsys):
    # In this process (the entry point as a subprocess is the `trained` fixture's).
    out = tmp_path / "new" / "lm"
    assert main(["train", "text:sample", "--out", str(out), "--units", "16", "--embedding-dim", "8",
                 "--epochs", "1", "--max-samples", "100", "--json"]) == 0
    assert f"note: {out.parent} does not exist; it will be created" in capsys.readouterr().err
    generate = ["generate", str(out), "--seed", "The", "--length", "30", "--temperature", "0.8", "--json"]
    assert main(generate) == 0
    text = json.loads(capsys.readouterr().out)["output"]
    assert text.startswith("The") and len(text) > 3
    assert main(generate) == 0
    assert json.loads(capsys.readouterr().out)["output"] == text  # same sampling seed, same text
    assert main(["translate", str(out), "hello"]) == 2
    assert "generate" in capsys.readouterr().err
    assert main(["generate", str(out), "--seed", "The", "--bars", "2"]) == 2
    assert "--bars is for music models (text: --length)" in capsys.readouterr().err


def test_options_that_do_not_apply_are_named_not_silently_dropped(capsys, tmp_path):
    from playground import cli, cli_notes

    assert main(["data-info", "digits:copy", "--encoding", "events", "--columns", "2,1"]) == 0
    err = capsys.readouterr().err
    assert "not used here: --encoding (for MIDI sources)" in err and "--columns" not in err  # tasks swap
    assert main(["data-info", "midi:sample", "--lowercase"]) == 0
    assert "not used here: --lowercase (for text)" in capsys.readouterr().err

    def unused(*argv, mode=None, cell=None):
        args = cli.build_parser().parse_args(["train", *argv, "--out", str(tmp_path / "m.keras")])
        return cli_notes.unused_options(args, args.source, mode, cell)

    assert unused("digits:copy", "--units", "8", "--d-model", "16", mode="feedback", cell="lstm") == [
        "--d-model (for the Transformer)"]
    assert unused("digits:copy", "--units", "8", "--heads", "2", mode="transformer", cell="transformer") == [
        "--units (for RNN modes)"]
    assert unused("digits:copy", "--attention", "dot", mode="peek", cell="gru") == ["--attention (for mode attention)"]
    assert unused("digits:copy", "--task-size", "50", "--units", "8", mode="attention", cell="lstm") == []
    for name in ("src.txt", "tgt.txt"):
        (tmp_path / name).write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    parallel = f"{tmp_path / 'src.txt'}::{tmp_path / 'tgt.txt'}"  # no header line there: it was ignored unsaid
    assert unused(parallel, "--header") == ["--header (for a sentence-pair file)"]
    assert main(["data-info", parallel]) == 0 and "header" not in capsys.readouterr().out


def test_a_text_file_trained_as_translation_and_an_os_error_say_why(tmp_path, capsys):
    semicolons = tmp_path / "pairs.txt"
    semicolons.write_text("".join(f"a{i};b{i}\n" for i in range(20)), encoding="utf-8")
    assert main(["train", str(semicolons), "--task", "translate", "--out", str(tmp_path / "m.keras")]) == 2
    assert ("not translate (it is read as plain text: most of its first lines have no tab; a file of pairs holds "
            "INPUT<TAB>TARGET lines, or is named .csv") in capsys.readouterr().err
    long_name = str(tmp_path / ("a" * 300 + ".txt"))
    assert main(["data-info", long_name]) == 2
    err = capsys.readouterr().err.strip()  # not "[Errno 36] File name too long: '<300 characters>'"
    assert err.endswith(f".txt ({len(long_name):,} characters): file name too long") and len(err) < 200


def test_epoch_samples_are_shortened_to_one_readable_line():
    import io

    from playground.cli import _Progress
    from playground.training import events as ev

    stream = io.StringIO()
    tune = " ".join(f"n{60 + i % 12}" for i in range(400))  # a music sample: thousands of characters
    prompt = tune[:200]  # a language model's sample continues its prompt: the continuation is shown
    _Progress(stream, as_json=False)(ev.EpochEnd(0, 1.0, 0.5, None, None, None, samples=[
        (prompt, tune, prompt + " n99" * 100), ("ab", "ba", "ba"), ("n60", tune, tune[::-1])]))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4 and all(len(line) < 220 for line in lines)
    assert lines[1].startswith(f"    '…{prompt[-29:]}' + ' n99 n99") and f"(expected + '{tune[200:259]}…')" in lines[1]
    assert lines[2] == "    'ab' → 'ba' (expected 'ba')"
    assert lines[3].startswith("    'n60' → '") and lines[3].count("…") == 2
