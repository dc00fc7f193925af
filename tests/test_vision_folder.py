"""datasets.DatasetFolder, ImageFolder and FakeData with torchvision's semantics: class folders in tmp_path holding
PNG, Netpbm and BMP files written by test_vision_io's encoders; sorted classes and walks, links followed, the
extensions / is_valid_file rules and their errors, empty classes, the repr, DataLoader batches; FakeData's
per-index determinism. Also EMNIST and QMNIST (IDX files written as test_vision_datasets writes MNIST's, downloads
served by its urlopen stand-in). The network is refused in every test."""

import gzip
import hashlib
import io
import lzma
import os
import zipfile

import numpy as np
import pytest
from test_vision_datasets import _idx, _serve, no_network  # noqa: F401 (autouse: any urlopen fails the test)
from test_vision_io import encode_bmp, encode_png

from autograd_core.utils.data import DataLoader
from autograd_core.vision import datasets, transforms
from autograd_core.vision.datasets import folder

RNG = np.random.default_rng(2)


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


@pytest.fixture
def tree(tmp_path):
    """root/cat (a.png, b.PPM, nested/c.bmp, notes.txt), root/dog (z.png), root/empty_ext (x.txt only).
    Returns (root, {path: rgb pixels}) for the image files."""
    root = tmp_path / "root"
    images = {}

    def image(relative, kind):
        rgb = RNG.integers(0, 256, (4, 6, 3))
        data = {"png": lambda: encode_png(rgb, 2, 8), "bmp": lambda: encode_bmp(rgb),
                "ppm": lambda: b"P6 6 4 255\n" + rgb.astype(np.uint8).tobytes()}[kind]()
        images[_write(root / relative, data)] = rgb

    image("cat/a.png", "png")
    image("cat/b.PPM", "ppm")  # extensions are matched ignoring case
    image("cat/nested/c.bmp", "bmp")
    _write(root / "cat" / "notes.txt", b"not an image")
    image("dog/z.png", "png")
    return root, images


def test_image_folder_lists_classes_and_samples_as_torchvision(tree):
    root, images = tree
    ds = datasets.ImageFolder(str(root))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    expected = [(str(root / "cat" / "a.png"), 0), (str(root / "cat" / "b.PPM"), 0),
                (str(root / "cat" / "nested" / "c.bmp"), 0), (str(root / "dog" / "z.png"), 1)]
    assert ds.samples == expected and ds.imgs is ds.samples and ds.targets == [0, 0, 0, 1]
    assert ds.extensions == datasets.IMG_EXTENSIONS and ds.loader is datasets.default_loader and len(ds) == 4
    for i, (path, target) in enumerate(expected):
        image, label = ds[i]
        assert image.dtype == np.uint8 and image.shape == (4, 6, 3) and label == target
        np.testing.assert_array_equal(image, images[path])


def test_image_folder_applies_transforms_and_batches(tree):
    root, images = tree
    ds = datasets.ImageFolder(root, transform=transforms.ToTensor(), target_transform=lambda t: t + 10)
    image, label = ds[3]
    assert image.shape == (3, 4, 6) and label == 11
    np.testing.assert_allclose(image.numpy(), images[ds.samples[3][0]].transpose(2, 0, 1) / 255, rtol=1e-6)
    batch, labels = next(iter(DataLoader(ds, batch_size=4)))
    assert batch.shape == (4, 3, 4, 6) and labels.numpy().tolist() == [10, 10, 10, 11]
    assert repr(ds) == (f"Dataset ImageFolder\n    Number of datapoints: 4\n    Root location: {root}\n"
                        "    StandardTransform\nTransform: ToTensor()\nTarget transform: " + repr(ds.target_transform))


def test_walks_are_sorted_and_follow_symbolic_links(tmp_path):
    root = tmp_path / "root"
    outside = tmp_path / "elsewhere"
    for name in ("b.png", "a.png", "c.png"):
        _write(outside / name, encode_png(np.zeros((1, 1, 1), int), 0, 8))
    _write(root / "b_class" / "z.png", encode_png(np.zeros((1, 1, 1), int), 0, 8))
    os.symlink(outside, root / "a_class")  # a linked folder is a class (os.scandir's is_dir follows links) ...
    os.symlink(outside, root / "b_class" / "linked")  # ... and a linked sub-folder is walked
    ds = datasets.ImageFolder(root)
    assert ds.classes == ["a_class", "b_class"]
    assert [os.path.relpath(p, root) for p, _ in ds.samples] == [
        "a_class/a.png", "a_class/b.png", "a_class/c.png", "b_class/z.png", "b_class/linked/a.png",
        "b_class/linked/b.png", "b_class/linked/c.png"]


def test_dataset_folder_with_a_loader_extensions_or_is_valid_file(tree):
    root, _ = tree
    loaded = []
    ds = datasets.DatasetFolder(root, loader=lambda p: loaded.append(p) or os.path.basename(p), extensions=".txt",
                                allow_empty=True)
    assert ds.samples == [(str(root / "cat" / "notes.txt"), 0)] and ds[0] == ("notes.txt", 0)
    assert loaded == [str(root / "cat" / "notes.txt")]
    seen = []
    ds = datasets.DatasetFolder(root, loader=len, is_valid_file=lambda p: seen.append(p) or p.endswith("z.png"),
                                allow_empty=True)
    assert ds.targets == [1] and ds.extensions is None
    assert str(root / "cat" / "notes.txt") in seen  # is_valid_file gets the full path
    only_png = datasets.ImageFolder(root, is_valid_file=lambda p: p.endswith(".png"))
    assert [os.path.basename(p) for p, _ in only_png.samples] == ["a.png", "z.png"]


def test_exactly_one_of_extensions_and_is_valid_file(tree):
    root, _ = tree
    message = "Both extensions and is_valid_file cannot be None or not None at the same time"
    with pytest.raises(ValueError, match=message):
        datasets.DatasetFolder(root, loader=len)
    with pytest.raises(ValueError, match=message):
        datasets.DatasetFolder(root, loader=len, extensions=".png", is_valid_file=bool)
    with pytest.raises(ValueError, match="The class_to_idx parameter cannot be None"):
        datasets.DatasetFolder.make_dataset(str(root), None, extensions=".png")
    with pytest.raises(ValueError, match="'class_to_index' must have at least one entry"):
        datasets.make_dataset(str(root), {}, extensions=".png")
    # the module function finds the classes itself when given none
    assert len(datasets.make_dataset(str(root), extensions=datasets.IMG_EXTENSIONS)) == 4


def test_a_class_without_valid_files_is_an_error_unless_allowed(tree):
    root, _ = tree
    os.makedirs(root / "empty")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty. Supported extensions "
                                                "are: .jpg, .jpeg, .png, .ppm, .bmp, .pgm, .tif, .tiff, .webp"):
        datasets.ImageFolder(root)
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes empty\. $"):
        datasets.ImageFolder(root, is_valid_file=lambda p: True)
    ds = datasets.ImageFolder(root, allow_empty=True)
    assert ds.classes == ["cat", "dog", "empty"] and ds.targets == [0, 0, 0, 1]
    # a class in class_to_idx with no folder at all is skipped, then reported as empty
    with pytest.raises(FileNotFoundError, match="classes ghost"):
        datasets.make_dataset(str(root), {"cat": 0, "ghost": 1}, extensions=".png")


def test_a_root_without_class_folders(tmp_path):
    _write(tmp_path / "loose.png", encode_png(np.zeros((1, 1, 1), int), 0, 8))
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(tmp_path)
    with pytest.raises(FileNotFoundError):
        datasets.ImageFolder(tmp_path / "missing")


def test_find_classes_can_be_overridden(tree):
    root, _ = tree

    class OnlyDogs(datasets.ImageFolder):
        def find_classes(self, directory):
            return ["dog"], {"dog": 7}

    ds = OnlyDogs(root)
    assert ds.classes == ["dog"] and ds.targets == [7]


def test_extension_helpers():
    assert datasets.IMG_EXTENSIONS == (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
    assert datasets.is_image_file("A.JPG") and datasets.is_image_file("x.webp") and not datasets.is_image_file("x.gif")
    assert datasets.has_file_allowed_extension("data.NPY", ".npy")
    assert datasets.has_file_allowed_extension("data.npz", [".npy", ".npz"])
    assert not datasets.has_file_allowed_extension("npy", (".npy",))
    assert folder.default_loader is datasets.default_loader


def test_a_damaged_image_names_its_file_when_read(tree):
    root, _ = tree
    _write(root / "dog" / "zz_broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 10)
    ds = datasets.ImageFolder(root)
    assert len(ds) == 5  # listing does not open files, as torchvision's
    with pytest.raises(OSError, match=r"zz_broken\.png"):  # Pillow's UnidentifiedImageError, or ours without it
        ds[4]


# -- FakeData -----------------------------------------------------------------------------------------------------

def test_fake_data_is_deterministic_per_index():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4)
    assert len(ds) == 5
    first = [ds[i] for i in range(5)]
    for i, (image, target) in enumerate(first):
        assert image.dtype == np.uint8 and image.shape == (8, 6, 3)
        assert type(target) is int and 0 <= target < 4
        again = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4)[i]
        np.testing.assert_array_equal(again[0], image)
        assert again[1] == target
    assert not all(np.array_equal(first[0][0], image) for image, _ in first[1:])
    shifted = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4, random_offset=2)
    np.testing.assert_array_equal(shifted[0][0], first[2][0])  # seeds are index + random_offset
    np.testing.assert_array_equal(ds[-1][0], first[4][0])
    targets = [datasets.FakeData(size=50)[i][1] for i in range(50)]
    assert set(targets) == set(range(10))  # uniform labels: all ten classes come up in 50 draws


def test_fake_data_does_not_touch_the_global_generators():
    np.random.seed(3)
    expected = np.random.rand()
    np.random.seed(3)
    datasets.FakeData(size=2)[1]
    assert np.random.rand() == expected


def test_fake_data_shapes_errors_transforms_and_repr():
    gray = datasets.FakeData(size=2, image_size=(1, 5, 7))
    assert gray[0][0].shape == (5, 7)  # one channel: an H×W array, as PIL's mode "L"
    with pytest.raises(IndexError, match="FakeData index out of range"):
        gray[2]
    with pytest.raises(IndexError):
        gray[-3]
    ds = datasets.FakeData(size=3, image_size=(3, 4, 4), transform=transforms.ToTensor(), target_transform=str)
    image, target = ds[0]
    assert image.shape == (3, 4, 4) and image.dtype == np.float32 and isinstance(target, str)
    assert repr(ds) == ("Dataset FakeData\n    Number of datapoints: 3\n    StandardTransform\n"
                        f"Transform: ToTensor()\nTarget transform: {ds.target_transform!r}")
    assert datasets.FakeData().image_size == (3, 224, 224) and len(datasets.FakeData()) == 1000
    assert datasets.FakeData().num_classes == 10


# -- EMNIST and QMNIST (MNIST's extensions, read by mnist.py's IDX reader) -----------------------------------------

def _emnist_files(raw, split, n=6, compress=None):
    """raw/emnist-<split>-{train,test}-{images,labels} (images numbered so each is recognisable)."""
    made = {}
    for part in ("train", "test"):
        images = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = RNG.integers(1 if split == "letters" else 0, 27 if split == "letters" else 10, n, dtype=np.uint8)
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            name = f"emnist-{split}-{part}-{kind}"
            data = _idx(array)
            _write(raw / (name + (".gz" if compress else "")), gzip.compress(data) if compress else data)
        made[part] = images, labels
    return made


def test_emnist_reads_each_split_as_stored(tmp_path):
    for split, n_classes, first in (("byclass", 62, "0"), ("bymerge", 47, "0"), ("balanced", 47, "0"),
                                    ("letters", 27, "N/A"), ("digits", 10, "0"), ("mnist", 10, "0")):
        made = _emnist_files(tmp_path / "EMNIST" / "raw", split, compress=split == "digits")
        for train, part in ((True, "train"), (False, "test")):
            ds = datasets.EMNIST(tmp_path, split=split, train=train)
            images, labels = made[part]
            np.testing.assert_array_equal(ds.data.numpy(), images)  # not transposed back: torchvision's orientation
            assert ds.targets.dtype == np.int64 and ds.targets.numpy().tolist() == labels.tolist()
            image, label = ds[2]
            np.testing.assert_array_equal(image, images[2])
            assert type(label) is int and label == labels[2]
            assert len(ds.classes) == n_classes and ds.classes[0] == first and ds.split == split
    byclass = datasets.EMNIST.classes_split_dict["byclass"]
    assert byclass[9:12] == ["9", "A", "B"] and byclass[-1] == "z"  # digits, capitals, then lower case
    assert "c" not in datasets.EMNIST.classes_split_dict["balanced"] and "a" in datasets.EMNIST.classes_split_dict[
        "balanced"]
    assert repr(ds).splitlines()[3] == "    Split: Test"


def test_emnist_refuses_an_unknown_split_and_says_how_to_get_files(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown value 'bytes' for argument split\. Valid values are "
                                         r"\{byclass, bymerge, balanced, letters, digits, mnist\}\."):
        datasets.EMNIST(tmp_path, split="bytes")
    with pytest.raises(RuntimeError, match=r"emnist-letters-train-images-idx3-ubyte \(or \.gz\) not found.*gzip\.zip"):
        datasets.EMNIST(tmp_path, split="letters")


def test_emnist_download_unpacks_the_zip_of_gzipped_files(tmp_path, monkeypatch):
    staging = tmp_path / "staging"
    made = _emnist_files(staging, "mnist", compress=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for split in datasets.EMNIST.splits:  # the real zip holds every split; only .gz members are taken
            for part in ("train", "test"):
                for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
                    name = f"emnist-{split}-{part}-{kind}.gz"
                    source = staging / f"emnist-mnist-{part}-{kind}.gz"
                    zipped.writestr(f"gzip/{name}", source.read_bytes())
        zipped.writestr("gzip/emnist-mnist-mapping.txt", "0 48\n")
    archive = buffer.getvalue()
    monkeypatch.setattr(datasets.EMNIST, "md5", hashlib.md5(archive).hexdigest())
    asked = _serve(monkeypatch, {datasets.EMNIST.url: archive})
    ds = datasets.EMNIST(tmp_path / "data", split="mnist", download=True)
    np.testing.assert_array_equal(ds.data.numpy(), made["train"][0])
    raw = tmp_path / "data" / "EMNIST" / "raw"
    assert (raw / "gzip.zip").is_file() and (raw / "emnist-byclass-test-labels-idx1-ubyte").is_file()
    assert not (raw / "emnist-mnist-mapping.txt").exists() and asked == [datasets.EMNIST.url]
    datasets.EMNIST(tmp_path / "data", split="letters", train=False, download=True)  # already there: no fetch
    assert asked == [datasets.EMNIST.url]


def _qmnist_files(raw, what, n=12, compress=True):
    """QMNIST's two files for subset `what` ("train", "test" or "nist"), .gz (.xz for nist) or plain."""
    images = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = RNG.integers(0, 1000, (n, 8)).astype(np.int32)
    labels[:, 0] = np.arange(n) % 10
    prefix = "xnist" if what == "nist" else f"qmnist-{what}"
    for name, array, code in ((f"{prefix}-images-idx3-ubyte", images, 0x08),
                              (f"{prefix}-labels-idx2-int", labels, 0x0C)):
        data = _idx(array, code)
        if compress:
            data, name = (lzma.compress(data), name + ".xz") if what == "nist" else (gzip.compress(data), name + ".gz")
        _write(raw / name, data)
    return images, labels


def test_qmnist_subsets_and_compat_targets(tmp_path):
    raw = tmp_path / "QMNIST" / "raw"
    train = _qmnist_files(raw, "train")
    nist = _qmnist_files(raw, "nist")
    test = _qmnist_files(raw, "test", n=10010, compress=False)
    for what, (images, labels) in (("train", train), ("nist", nist), ("test", test),
                                   ("test10k", (test[0][:10000], test[1][:10000])),
                                   ("test50k", (test[0][10000:], test[1][10000:]))):
        ds = datasets.QMNIST(tmp_path, what=what)
        np.testing.assert_array_equal(ds.data.numpy(), images)
        assert ds.targets.dtype == np.int64 and ds.targets.shape == labels.shape
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        image, label = ds[1]
        assert type(label) is int and label == labels[1, 0] and image.shape == (28, 28)
        assert repr(ds).splitlines()[3] == f"    Split: {what}"
    assert datasets.QMNIST(tmp_path, train=False).what == "test"
    full = datasets.QMNIST(tmp_path, compat=False, target_transform=lambda t: t.numpy().tolist())
    assert full[3][1] == train[1][3].tolist()
    assert datasets.QMNIST(tmp_path, target_transform=str)[3][1] == str(train[1][3, 0])  # compat before transform
    assert datasets.QMNIST(tmp_path).classes[0] == "0 - zero"


def test_qmnist_errors(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown value 'val' for argument what\. Valid values are "
                                         r"\{train, test, test10k, test50k, nist\}\."):
        datasets.QMNIST(tmp_path, what="val")
    with pytest.raises(RuntimeError, match=r"qmnist-test-images-idx3-ubyte \(or compressed\) not found.*"
                                           r"qmnist-test-images-idx3-ubyte\.gz \(md5 1394631089c404de565df7b7aeaf9412"):
        datasets.QMNIST(tmp_path, what="test50k")
    raw = tmp_path / "QMNIST" / "raw"
    _write(raw / "qmnist-train-images-idx3-ubyte", _idx(np.zeros((2, 28, 28), np.uint8)))
    _write(raw / "qmnist-train-labels-idx2-int", _idx(np.zeros(2, np.uint8)))  # MNIST's labels, not QMNIST's
    with pytest.raises(ValueError, match=r"labels are int32 in 2 dimension\(s\), this file holds uint8 \(2,\)"):
        datasets.QMNIST(tmp_path)


def test_qmnist_download_fetches_and_unpacks_gzip_and_xz(tmp_path, monkeypatch):
    staging = tmp_path / "staging"
    served, resources = {}, {}
    for what in ("train", "nist"):
        _qmnist_files(staging, what)
        resources[what] = []
        for url, _ in datasets.QMNIST.resources[what]:
            data = (staging / os.path.basename(url)).read_bytes()
            served[url] = data
            resources[what].append((url, hashlib.md5(data).hexdigest()))
    monkeypatch.setattr(datasets.QMNIST, "resources", {**datasets.QMNIST.resources, **resources})
    asked = _serve(monkeypatch, served)
    for what in ("train", "nist"):
        ds = datasets.QMNIST(tmp_path / "data", what=what, download=True)
        assert len(ds) == 12
    raw = tmp_path / "data" / "QMNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(
        ["qmnist-train-images-idx3-ubyte", "qmnist-train-images-idx3-ubyte.gz", "qmnist-train-labels-idx2-int",
         "qmnist-train-labels-idx2-int.gz", "xnist-images-idx3-ubyte", "xnist-images-idx3-ubyte.xz",
         "xnist-labels-idx2-int", "xnist-labels-idx2-int.xz"])
    assert len(asked) == 4
