"""The course's architectures, the binary lab and the imbalanced training set: parameter counts
checked against hand computations, real (small) training runs that export models the app
loads, the exported binary graph against the sigmoid, and the command line's checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from desktop.binary_task import BINARY_TASKS
from desktop.image_io import load_image
from desktop.model_format import imbalance_variant, model_id
from desktop.models import Classifier, load_metrics, read_info
from trainer import export
from trainer.cli import main
from trainer.data import DATASETS, Split, cut_class
from trainer.models import OneLogit, build_model, parameter_count
from trainer.options import RunOptions
from trainer.pipeline import load_data, make_config
from trainer.settings import ARCHITECTURES, DEFAULTS, SHIPPED, Target


def dense(*widths: int) -> int:
    """Weights and biases of fully connected layers of these widths, in order."""
    return sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))


# The counts the course quotes for its 10-class models.
COURSE_COUNTS = {
    "linear": dense(784, 10),  # 7,850: softmax regression
    "mlp": dense(784, 128, 10),  # 101,770
    "deep": dense(784, 100, 50, 50, 25, 25, 10),  # 88,285
    # LeNet-5: 5x5 convolutions 1 -> 6 and 6 -> 16 (with biases), then 400 -> 120 -> 84 -> 10
    "lenet": (25 * 6 + 6) + (25 * 6 * 16 + 16) + dense(16 * 5 * 5, 120, 84, 10),  # 61,706
}


@pytest.mark.parametrize("architecture", COURSE_COUNTS)
def test_the_course_models_have_the_course_parameter_counts(architecture: str) -> None:
    assert parameter_count(build_model(architecture, None, 10)) == COURSE_COUNTS[architecture]


def test_the_counts_are_the_ones_the_course_quotes() -> None:
    assert COURSE_COUNTS == {"linear": 7_850, "mlp": 101_770, "deep": 88_285, "lenet": 61_706}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("outputs", [10, 11])
def test_every_architecture_gives_one_logit_per_output(architecture: str, outputs: int) -> None:
    model = build_model(architecture, None, outputs).eval()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, outputs)


def test_the_resnet_adds_its_blocks_input_to_their_output() -> None:
    model = build_model("resnet", None, 10).eval()
    blocks = [m for m in model.modules() if type(m).__name__ == "ResidualBlock"]
    assert len(blocks) >= 3
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) >= 2 * len(blocks)
    block = blocks[0]
    x = torch.randn(2, block.conv1.in_channels, 14, 14)
    with torch.no_grad():
        inner = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))
        assert torch.allclose(block(x), torch.relu(inner + x))


@pytest.mark.parametrize("architecture", ["linear", "mlp", "cnn"])
def test_a_binary_model_gives_the_logits_zero_and_z(architecture: str) -> None:
    model = build_model(architecture, None, 2, binary=True).eval()
    assert isinstance(model, OneLogit)
    with torch.no_grad():
        logits = model(torch.randn(4, 1, 28, 28))
        z = model.network(torch.randn(4, 1, 28, 28))
    assert logits.shape == (4, 2) and z.shape == (4, 1)
    assert torch.equal(logits[:, 0], torch.zeros(4))
    if architecture == "linear":  # logistic regression: 784 weights and a bias
        assert parameter_count(model) == 785


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_the_exported_binary_probabilities_are_one_minus_sigmoid_and_sigmoid(
        temperature: float) -> None:
    model = build_model("linear", None, 2, binary=True).eval()
    with torch.no_grad():
        model.network[1].weight.normal_(0, 0.2)
    onnx_bytes = export.to_onnx_bytes(export.WithSoftmax(model, 2, temperature),
                                      {"model_id": "x"})
    images = torch.randn(64, 1, 28, 28)
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"image": images.numpy()})
    with torch.no_grad():
        yes = torch.sigmoid(model.network(images)[:, 0] / temperature).numpy()
    assert probabilities.shape == (64, 2)
    assert np.allclose(probabilities[:, 1], yes, atol=1e-6)
    assert np.allclose(probabilities[:, 0], 1 - yes, atol=1e-6)
    assert yes.std() > 0.01  # the answers differ from image to image


def test_cross_entropy_on_zero_and_z_is_binary_cross_entropy() -> None:
    z, y = torch.randn(32), torch.randint(0, 2, (32,))
    two = torch.nn.functional.cross_entropy(torch.stack([torch.zeros(32), z], 1), y)
    assert two == pytest.approx(float(torch.nn.functional.binary_cross_entropy_with_logits(
        z, y.float())), rel=1e-5)


def test_cut_class_keeps_the_asked_share_of_one_class_and_everything_else() -> None:
    labels = torch.arange(10).repeat_interleave(torch.tensor([50, 40, 30, 200, 10, 101, 5, 7,
                                                              9, 11]))
    images = torch.zeros(len(labels), 28, 28, dtype=torch.uint8)
    images[:, 0, 0], images[:, 0, 1] = torch.arange(len(labels)) // 256, torch.arange(
        len(labels)) % 256  # each image holds its own number
    split = Split(images, labels)
    for fraction in (0.05, 0.5, 1.0):
        cut = cut_class(split, 5, fraction, seed=0)
        kept = torch.bincount(cut.labels, minlength=10)
        assert kept[5] == round(fraction * 101)
        others = [c for c in range(10) if c != 5]
        assert kept[others].tolist() == torch.bincount(labels, minlength=10)[others].tolist()
        # the images travel with their labels
        numbers = cut.images[:, 0, 0].long() * 256 + cut.images[:, 0, 1].long()
        assert torch.equal(split.labels[numbers], cut.labels)
        assert bool((numbers.diff() > 0).all())  # in their order


def options(tmp_path: Path, **changes) -> RunOptions:
    return RunOptions(out_dir=tmp_path / "m", checkpoints=tmp_path / "c",
                      extra_data_cache=tmp_path / "extra", **changes)


@pytest.mark.slow  # reads the datasets and generates extra pictures
@pytest.mark.parametrize("extra_data", [False, True])
def test_imbalance_cuts_the_class_from_training_only(tmp_path: Path, data_dir: Path,
                                                     extra_data: bool) -> None:
    run = options(tmp_path, limit=2000, extra_data=extra_data)
    plain = load_data(make_config(Target("mnist", "dense"), run), run)
    config = make_config(Target("mnist", "dense", imbalance=(5, 0.1)), run)
    cut = load_data(config, run)
    before, after = (torch.bincount(s.train.labels, minlength=11) for s in (plain, cut))
    assert after[5] == round(0.1 * int(before[5]))  # from every source, generated ones too
    assert torch.equal(torch.cat([after[:5], after[6:]]), torch.cat([before[:5], before[6:]]))
    for part in ("val", "test"):
        assert torch.equal(getattr(plain, part).labels, getattr(cut, part).labels)
        assert torch.equal(getattr(plain, part).images, getattr(cut, part).images)
    assert config.model_id == "mnist-dense-5-at-10pct"
    assert config.variant == "digit 5 cut to 10 % of training"


def test_the_model_ids_and_words_of_variants() -> None:
    run = RunOptions(out_dir=Path("m"), checkpoints=Path("c"), extra_data_cache=Path("e"))
    weighted = make_config(Target("fashion", "mlp", imbalance=(6, 0.25), class_weights=True),
                           run)
    assert weighted.model_id == model_id("fashion", "mlp", imbalance_variant(6, 0.25, True))
    assert weighted.variant == "Shirt cut to 25 % of training, class weights"
    binary = make_config(Target("mnist", "linear", task="is-7"), run)
    assert binary.model_id == "mnist-linear-is-7" and binary.class_names == ("not 7", "7")
    assert not binary.extra_data and binary.outputs == 2 and binary.variant == ""


def test_the_shipped_list_holds_every_model_once() -> None:
    ids = [target.model_id for target in SHIPPED]
    assert len(ids) == len(set(ids)) == len(DEFAULTS) + len(BINARY_TASKS) + 2
    assert {(t.dataset, t.architecture) for t in SHIPPED if not t.variant} == set(DEFAULTS)
    assert {t.task for t in SHIPPED if t.task} == set(BINARY_TASKS)


# --- the command line ------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--imbalance", "5"], "expected CLASS:FRACTION such as 5:0.05, got '5'"),
    (["--imbalance", "5:"], "expected CLASS:FRACTION"),
    (["--imbalance", "five:0.1"], "expected CLASS:FRACTION"),
    (["--imbalance", ""], "expected CLASS:FRACTION"),
    (["--imbalance", "10:0.5"], "the class must be between 0 and 9, got 10"),
    (["--imbalance=-1:0.5"], "the class must be between 0 and 9, got -1"),
    (["--imbalance", "-1:0.5"], "argument --imbalance: expected one argument"),
    (["--imbalance", "5:0"], "the fraction must be above 0 and at most 1, got '0'"),
    (["--imbalance", "5:1.5"], "the fraction must be above 0 and at most 1"),
    (["--imbalance", "5:nan"], "the fraction must be above 0 and at most 1"),
    (["--imbalance", "5:-inf"], "the fraction must be above 0 and at most 1"),
    (["--task", "is-8"], "invalid choice: 'is-8'"),
    (["--task", "is-7", "--dataset", "fashion"],
     "--task is-7 asks about mnist pictures; it cannot be combined with --dataset fashion"),
    (["--task", "is-shoe", "--imbalance", "5:0.5"], "--imbalance cannot be combined with --task"),
    (["all", "--task", "is-7"], "'all' trains every shipped model"),
    (["all", "--imbalance", "5:0.5"], "'all' trains every shipped model"),
    (["all", "--class-weights"], "'all' trains every shipped model"),
])
def test_bad_imbalance_and_task_arguments_get_one_line(
        capsys: pytest.CaptureFixture, tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main([*args, "--out-dir", str(tmp_path / "m"), "--checkpoint-dir", str(tmp_path / "c")])
    assert exit_status.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m trainer: error: "), lines
    assert message in lines[0]
    assert not (tmp_path / "m").exists()


# --- real training runs, one per architecture, binary task and variant ------------------------

RUNS = [
    *(["--dataset", "mnist", "--model", architecture] for architecture in ARCHITECTURES),
    ["--task", "is-7"],
    ["--task", "is-shoe"],
    ["--dataset", "fashion", "--model", "linear", "--imbalance", "6:0.2", "--class-weights"],
]


@pytest.mark.slow
@pytest.mark.parametrize("args", RUNS, ids=[" ".join(args) for args in RUNS])
def test_a_short_run_exports_a_model_the_app_loads(tmp_path: Path, data_dir: Path,
                                                   samples_dir: Path, args: list[str]) -> None:
    assert main([*args, "--limit", "400", "--epochs", "1", "--no-extra-data", "--quiet",
                 "--out-dir", str(tmp_path / "m"), "--checkpoint-dir", str(tmp_path / "c")]) == 0
    (folder,) = (tmp_path / "m").iterdir()
    info = read_info(folder / "model.onnx")
    report = load_metrics(folder)
    assert info.model_id == folder.name == report.model_id
    task = BINARY_TASKS.get(info.model_id.split("-", 2)[-1])
    assert info.task == task
    expected_classes = task.classes if task else DATASETS[info.dataset].classes
    assert info.classes == report.classes == expected_classes
    assert info.reject_threshold is None  # trained on the dataset alone
    outputs = len(expected_classes)
    network = build_model(info.architecture, None, outputs, binary=task is not None)
    assert info.params == report.params == parameter_count(network)
    matrix = np.array(report.confusion_matrix)
    assert matrix.shape == (outputs, outputs) and matrix.sum() == report.test_size == 80
    if task is not None:
        assert "logistic regression (sigmoid output, binary cross-entropy)" in info.summary
        test = load_data(make_config(Target(info.dataset, "linear", task=task.key),
                                     options(tmp_path, limit=400)),
                         options(tmp_path, limit=400)).test
        assert matrix.sum(1).tolist() == torch.bincount(test.labels, minlength=2).tolist()
    if "--imbalance" in args:
        assert info.variant == "Shirt cut to 20 % of training, class weights"
        assert report.config["imbalance_class"] == 6 and report.config["class_weights"]
    picture = load_image(sorted((samples_dir / info.dataset).glob("*.png"))[0])
    prediction = Classifier(info).classify(picture)
    assert prediction is not None and 0 <= prediction.index < outputs
    assert prediction.probabilities.shape == (outputs,)
    assert prediction.probabilities.sum() == pytest.approx(1, abs=1e-5)
