"""Every picture of the hostile corpus (tests/hostile_corpus.py) through the real command-line
classifier, as one real subprocess: no crash, no hang, no traceback, no raw Qt or libpng
warning, and one clear JSON answer per file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import ANY, ERROR, PICTURE, write_corpus

ROOT = Path(__file__).resolve().parents[1]
# Far above what the whole corpus needs (seconds); only a hang would reach it.
HANG_TIMEOUT_S = 900
RAW_WARNINGS = ("libpng warning", "libpng error", "qt.gui", "QFontDatabase", "Traceback",
                "QGuiApplication", "QImageIOHandler")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return write_corpus(folder)


@pytest.fixture(scope="module")
def answers(corpus, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config")}
    # "--": one of the names starts with a dash.
    result = subprocess.run(
        [sys.executable, "-m", "desktop.classify", "--json", "--",
         *(os.fsencode(case.path) for case in corpus)],
        cwd=ROOT, env=env, capture_output=True, timeout=HANG_TIMEOUT_S)
    return result


def test_the_corpus_is_big_and_varied(corpus):
    assert len(corpus) >= 60
    kinds = {case.expect for case in corpus}
    assert kinds == {PICTURE, ERROR, ANY}
    suffixes = {case.path.suffix for case in corpus}
    assert {".png", ".jpg", ".gif", ".bmp", ".webp", ".tiff", ".svg", ".svgz"} <= suffixes


def test_no_crash_and_no_raw_warnings(answers):
    assert answers.returncode == 1, answers.stderr.decode(errors="replace")[-2000:]
    stderr = answers.stderr.decode("utf-8", errors="replace")
    for warning in RAW_WARNINGS:
        assert warning not in stderr, stderr
    # stderr holds one "file: error: reason" line per failed file, and nothing else.
    failed = [answer for answer in json.loads(answers.stdout) if "error" in answer]
    lines = stderr.splitlines()
    assert len(lines) == len(failed)
    assert all(": error: " in line for line in lines), stderr


def test_one_clear_answer_per_file(corpus, answers):
    results = json.loads(answers.stdout)
    assert [os.fsencode(result["file"]) for result in results] == [
        os.fsencode(case.path) for case in corpus]
    for case, result in zip(corpus, results, strict=True):
        if "prediction" in result:
            assert case.expect in (PICTURE, ANY), (case.name, result)
            assert set(result) == {"file", "accepted", "prediction", "index", "probabilities",
                                   "outlier"}
            continue
        error = result["error"]
        assert error and "\n" not in error and "Traceback" not in error, (case.name, error)
        assert "Unexpected" not in error and "exit status" not in error, (case.name, error)
        if case.expect == PICTURE:  # decoded: only an empty-looking picture may be refused
            assert error == "the picture is blank: nothing to classify", (case.name, error)
        elif case.expect == ERROR:
            assert case.words.lower() in error.lower(), (case.name, error)
            assert "blank" not in error, (case.name, error)
            # The message names the file, readably even when the name is not UTF-8.
            assert case.name in error, (case.name, error)


def test_damaged_pictures_are_never_classified_silently(corpus, answers):
    results = dict(zip((case.name for case in corpus), json.loads(answers.stdout), strict=True))
    for name in ("half.jpg", "truncated-half.png", "truncated-half.jpg", "truncated-half.gif",
                 "truncated-half.bmp", "truncated-half.webp", "truncated-half.tiff"):
        assert "damaged" in results[name]["error"], results[name]


def test_piping_into_head_ends_quietly(samples_dir):
    """`classify ... | head -n 1`: head leaves early, the classifier must not complain."""
    sample = str(next((samples_dir / "mnist").glob("*.png")))
    command = f'"{sys.executable}" -m desktop.classify --json "$@" | head -n 1'
    result = subprocess.run(["sh", "-c", command, "sh", *[sample] * 400], cwd=ROOT,
                            capture_output=True, timeout=HANG_TIMEOUT_S)
    assert result.stdout == b"[\n"
    assert result.stderr == b""


def test_plain_output_names_files_that_are_not_utf8(corpus):
    picture = next(case.path for case in corpus if case.name == "caf\\xe9-not-utf8.png")
    broken = next(case.path for case in corpus if case.name == "\\xff\\xfe-random.png")
    result = subprocess.run([sys.executable, "-m", "desktop.classify", picture, broken],
                            cwd=ROOT, capture_output=True, timeout=HANG_TIMEOUT_S)
    assert result.returncode == 1
    assert "caf\\xe9-not-utf8.png: 7 (" in result.stdout.decode()
    assert "\\xff\\xfe-random.png: error: " in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
