"""`digit-lens --self-test`: a headless check that an installed or frozen app really works.

Every bundled model must load with its training report, and every bundled sample picture must
get the class the source tree gave it (resources/samples/expected.json, written by
`python -m desktop.selftest --record` and kept current by the test suite). A frozen bundle that
lost a Qt image plugin, an ONNX Runtime library or a model file fails here instead of on a
user's desktop.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop import APP_NAME, __version__, models, paths
from desktop.image_io import ImageError, load_image

EXPECTED_FILE = "expected.json"


def classify_samples(models_dir: Path, samples_dir: Path) -> tuple[dict, list[str]]:
    """{model_id: {"<dataset>/<file>": class index}} for every usable model, and the problems."""
    answers: dict[str, dict[str, int]] = {}
    problems = []
    for entry in models.discover(models_dir):
        if not entry.available:
            problems.append(f"{entry.model_id}: unusable: {entry.error}")
            continue
        try:
            classifier = models.Classifier(entry.info)
        except models.ModelError as exc:
            problems.append(f"{entry.model_id}: {exc}")
            continue
        try:  # the Training tab needs it: inside model.onnx, or an older metrics.json
            models.load_metrics(entry.directory)
        except models.ModelError as exc:
            problems.append(f"{entry.model_id}: training report: {exc}")
        pictures = sorted((samples_dir / entry.info.dataset).glob("*.png"))
        if not pictures:
            problems.append(f"{entry.model_id}: no sample pictures in {samples_dir}")
        answers[entry.model_id] = {}
        for picture in pictures:
            name = f"{entry.info.dataset}/{picture.name}"
            try:
                prediction = classifier.classify(load_image(picture))
            except (ImageError, models.ModelError) as exc:
                problems.append(f"{entry.model_id}: {name}: {exc}")
                continue
            if prediction is None:
                problems.append(f"{entry.model_id}: {name}: seen as blank")
                continue
            answers[entry.model_id][name] = prediction.index
    return answers, problems


def check(models_dir: Path, samples_dir: Path) -> list[str]:
    """Everything that differs from the recorded expectations; empty when all is well."""
    try:
        expected = json.loads((samples_dir / EXPECTED_FILE).read_text())
    except (OSError, ValueError) as exc:
        return [f"cannot read {samples_dir / EXPECTED_FILE}: {exc}"]
    answers, problems = classify_samples(models_dir, samples_dir)
    for model_id, pictures in expected.items():
        got = answers.get(model_id)
        if got is None:
            problems.append(f"{model_id}: expected but not bundled")
            continue
        for name, index in pictures.items():
            if got.get(name) != index:
                problems.append(f"{model_id}: {name}: expected class {index}, got {got.get(name)}")
    problems += [f"{model_id}: bundled but not expected" for model_id in answers
                 if model_id not in expected]
    return problems


def run(models_dir: Path) -> int:
    """`digit-lens --self-test`: check the models of `models_dir` on the bundled samples and say
    so; 0 when all is well."""
    problems = check(models_dir, paths.samples_dir())
    for problem in problems:
        _say(f"FAIL {problem}")
    _say(f"{APP_NAME} {__version__} self-test: "
         + ("passed" if not problems else f"{len(problems)} problem(s)")
         + f" ({models_dir})")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m desktop.selftest [--record]`: check (or record) the shipped models."""
    parser = argparse.ArgumentParser(prog="python -m desktop.selftest", description=__doc__)
    parser.add_argument("--record", action="store_true",
                        help="write the expectations from this tree (after retraining)")
    args = parser.parse_args(argv)
    models_dir, samples_dir = paths.models_dir(), paths.samples_dir()
    if not args.record:
        return run(models_dir)
    answers, problems = classify_samples(models_dir, samples_dir)
    (samples_dir / EXPECTED_FILE).write_text(json.dumps(answers, indent=1) + "\n")
    _say(f"recorded {sum(map(len, answers.values()))} answers of {len(answers)} models")
    return 1 if problems else 0


def _say(line: str) -> None:
    if sys.stdout is not None:  # a windowed Windows build has no console
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
