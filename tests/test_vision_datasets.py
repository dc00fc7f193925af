"""autograd_core.vision.datasets: MNIST, FashionMNIST, KMNIST (IDX files) and CIFAR10/100 (Python pickles) read from
small files written here in the exact formats and in torchvision's folder layout, with DataLoader; downloads proven
with urllib's urlopen stood in for (these tests never touch the network); damaged files and pickles that name other
globals refused."""

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.utils.data import DataLoader
from autograd_core.vision import datasets, transforms

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any URL a test has not stood in for fails the test (these tests must never reach the network)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to reach the network: {args}")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


# -- writing the formats ------------------------------------------------------------------------------------------

def _idx(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write(path, data, gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if gz else data)
    return path


def _mnist_folder(root, name="MNIST", n_train=70, n_test=30, gz=False):
    """root/<name>/raw/ with the four IDX files (random images, labels 0-9); returns {prefix: (images, labels)}."""
    made = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = RNG.integers(0, 10, n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        _write(os.path.join(root, name, "raw", f"{prefix}-images-idx3-ubyte{suffix}"), _idx(images), gz)
        _write(os.path.join(root, name, "raw", f"{prefix}-labels-idx1-ubyte{suffix}"), _idx(labels), gz)
        made[prefix] = images, labels
    return made


def _cifar_batch(n, fine=False):
    labels = [int(v) for v in RNG.integers(0, 100 if fine else 10, n)]
    batch = {"batch_label": "synthetic batch", "data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8),
             "filenames": [f"image_{i}.png" for i in range(n)]}
    if fine:
        batch.update(fine_labels=labels, coarse_labels=[label // 5 for label in labels])
    else:
        batch["labels"] = labels
    return batch


def _py2_pickle(batch):
    """`batch` pickled as Python 2's cPickle wrote CIFAR's files (protocol 2: str as SHORT_BINSTRING/BINSTRING, the
    array through numpy.core.multiarray._reconstruct and a BUILD whose data is a str)."""
    def string(text):
        raw = text.encode("latin-1")
        return b"U" + bytes([len(raw)]) + raw if len(raw) < 256 else b"T" + struct.pack("<I", len(raw)) + raw

    def integer(i):
        return b"K" + bytes([i]) if 0 <= i < 256 else b"M" + struct.pack("<H", i) if 0 <= i < 65536 else \
            b"J" + struct.pack("<i", i)

    def value(v):
        if isinstance(v, np.ndarray):
            dtype = (b"cnumpy\ndtype\n" + string("u1") + integer(0) + integer(1) + b"\x87R"
                     + b"(" + integer(3) + string("|") + b"NNN" + b"J\xff\xff\xff\xff" * 2 + integer(0) + b"tb")
            return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + integer(0) + b"\x85" + string("b")
                    + b"\x87R(" + integer(1) + b"(" + b"".join(integer(n) for n in v.shape) + b"t" + dtype
                    + b"\x89" + string(v.tobytes().decode("latin-1")) + b"tb")
        if isinstance(v, list):
            return b"](" + b"".join(value(item) for item in v) + b"e"
        return string(v) if isinstance(v, str) else integer(v)

    return b"\x80\x02}(" + b"".join(string(k) + value(v) for k, v in batch.items()) + b"u."


def _cifar_folder(root, cls=datasets.CIFAR10, n=4, protocol=pickle.DEFAULT_PROTOCOL, py2=False):
    """root/<base_folder>/ with every batch and the meta file; returns {file name: batch dict}."""
    fine = cls is datasets.CIFAR100
    made = {}
    for name, _ in cls.train_list + cls.test_list:
        made[name] = batch = _cifar_batch(n, fine)
        _write(os.path.join(root, cls.base_folder, name), _py2_pickle(batch) if py2 else pickle.dumps(batch, protocol))
    names = [f"class {i}" for i in range(100 if fine else 10)]
    meta = {"fine_label_names": names, "coarse_label_names": names[:20]} if fine else \
        {"label_names": names, "num_cases_per_batch": n, "num_vis": 3072}
    _write(os.path.join(root, cls.base_folder, cls.meta["filename"]), pickle.dumps(meta, protocol))
    return made


# -- MNIST family -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzipped"])
def test_mnist_reads_torchvisions_raw_folder(tmp_path, gz):
    made = _mnist_folder(tmp_path, gz=gz)
    for train, prefix in ((True, "train"), (False, "t10k")):
        images, labels = made[prefix]
        ds = datasets.MNIST(tmp_path, train=train)
        assert len(ds) == len(images) and ds.train is train
        assert ds.data.dtype == np.uint8 and ds.data.shape == images.shape and ds.targets.dtype == np.int64
        np.testing.assert_array_equal(ds.data.numpy(), images)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        image, target = ds[3]
        assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == (28, 28)
        assert type(target) is int and target == labels[3]
        image[:] = 0  # a copy, as torchvision's PIL image is
        assert ds.data.numpy()[3].any()
    assert ds.classes[0] == "0 - zero" and ds.class_to_idx["9 - nine"] == 9


def test_mnist_applies_transform_and_target_transform(tmp_path):
    images, labels = _mnist_folder(tmp_path)["train"]
    ds = datasets.MNIST(tmp_path, transform=transforms.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[5]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y == labels[5] + 100
    np.testing.assert_array_equal(x.numpy()[0], images[5] / np.float32(255))


def test_repr_is_torchvisions(tmp_path, monkeypatch):
    _mnist_folder(tmp_path / "data", n_train=60)
    monkeypatch.chdir(tmp_path)
    ds = datasets.MNIST(root="data", train=True, transform=transforms.ToTensor())
    assert repr(ds) == ("Dataset MNIST\n    Number of datapoints: 60\n    Root location: data\n    Split: Train\n"
                        "    StandardTransform\nTransform: ToTensor()")
    plain = datasets.MNIST(root="data", train=False)
    assert repr(plain) == "Dataset MNIST\n    Number of datapoints: 30\n    Root location: data\n    Split: Test"
    both = datasets.MNIST(root="data", transform=transforms.Compose([transforms.ToTensor()]), target_transform=abs)
    assert repr(both).endswith("StandardTransform\nTransform: Compose(\n               ToTensor()\n           )\n"
                               "Target transform: <built-in function abs>")


@pytest.mark.parametrize("cls, folder, first_class", [(datasets.FashionMNIST, "FashionMNIST", "T-shirt/top"),
                                                      (datasets.KMNIST, "KMNIST", "o")])
def test_fashion_and_kuzushiji_mnist_read_their_own_folders(tmp_path, cls, folder, first_class):
    images, _ = _mnist_folder(tmp_path, name=folder)["train"]
    ds = cls(tmp_path)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    assert ds.classes[0] == first_class and len(ds.classes) == 10
    assert ds.raw_folder == os.path.join(str(tmp_path), folder, "raw")
    with pytest.raises(RuntimeError, match="not found"):
        datasets.MNIST(tmp_path)  # MNIST's folder is another


@pytest.mark.parametrize("old, new", [("train_data", "data"), ("test_data", "data"), ("train_labels", "targets"),
                                      ("test_labels", "targets")])
def test_mnist_answers_torchvisions_old_names_with_its_warning(tmp_path, old, new):
    # 莫烦's tutorial and others from 2017: `train_data.train_data.size()`, `test_data.test_labels[:2000]`
    _mnist_folder(tmp_path, n_train=7, n_test=3)
    for train in (True, False):
        ds = datasets.MNIST(tmp_path, train=train)
        with pytest.warns(UserWarning, match=f"^{old} has been renamed {new}$"):
            value = getattr(ds, old)
        assert value is getattr(ds, new) and value.shape[0] == (7 if train else 3)
    assert getattr(datasets.FashionMNIST, old) is getattr(datasets.MNIST, old)  # the variants have them too


def test_dataloader_yields_torchvision_shaped_batches(tmp_path):
    images, labels = _mnist_folder(tmp_path, n_train=150)["train"]
    ds = datasets.MNIST(tmp_path, train=True, transform=transforms.ToTensor())
    ag.manual_seed(0)
    batches = list(DataLoader(ds, batch_size=64, shuffle=True))
    xb, yb = batches[0]
    assert isinstance(xb, ag.Value) and xb.shape == (64, 1, 28, 28) and xb.dtype == np.float32
    assert isinstance(yb, ag.Value) and yb.shape == (64,) and yb.dtype == np.int64
    assert [len(y) for _, y in batches] == [64, 64, 22]
    for x, y in zip(xb.numpy()[:5], yb.numpy()[:5]):  # each image beside its own label
        (index,) = np.flatnonzero((images == np.round(x[0] * 255)).all(axis=(1, 2)))
        assert labels[index] == y


def test_mnist_reads_older_torchvisions_processed_files(tmp_path):
    images = RNG.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    labels = np.arange(6, dtype=np.int64)
    os.makedirs(tmp_path / "MNIST" / "processed")
    ag.save((ag.from_numpy(images), ag.from_numpy(labels)), tmp_path / "MNIST" / "processed" / "training.pt")
    ds = datasets.MNIST(tmp_path)  # no raw folder at all
    np.testing.assert_array_equal(ds.data.numpy(), images)
    assert ds.targets.dtype == np.int64 and ds[4][1] == 4


@pytest.mark.parametrize("damage, message", [
    (lambda raw: b"\x00\x00\x09\x03" + raw[4:], "magic number 0x00000803"),  # int8 (0x09), not uint8
    (lambda raw: b"\x01\x00" + raw[2:], "wrong magic number"),
    (lambda raw: raw[:-7], "truncated"),
    (lambda raw: raw[:10], "truncated in its header"),
    (lambda raw: raw + b"\x00", "longer than its header says"),
    (lambda raw: gzip.compress(raw)[:-12], "gzip stream is damaged"),
], ids=["wrong-type", "wrong-magic", "truncated", "truncated-header", "trailing", "bad-gzip"])
def test_a_damaged_idx_file_is_refused_naming_it(tmp_path, damage, message):
    _mnist_folder(tmp_path)
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=message) as caught:
        datasets.MNIST(tmp_path)
    assert str(path) in str(caught.value)


def test_missing_files_say_where_they_go_and_how_to_get_them(tmp_path):
    with pytest.raises(RuntimeError) as caught:
        datasets.MNIST(tmp_path)
    text = str(caught.value)
    assert os.path.join(str(tmp_path), "MNIST", "raw", "train-images-idx3-ubyte") in text
    assert "download=True" in text
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in text


# -- downloads (urlopen stood in for) -----------------------------------------------------------------------------

class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _serve(monkeypatch, files):
    """urlopen serving `files` (URL -> bytes, or an exception to raise); returns the list of URLs asked for."""
    asked = []

    def urlopen(request, timeout=None):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        asked.append(url)
        served = files.get(url, urllib.error.URLError("no route to host"))
        if isinstance(served, Exception):
            raise served
        return _Response(served)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return asked


def _mnist_archives(monkeypatch, cls=datasets.MNIST):
    """Synthetic .gz files for cls's resources, with cls.resources' md5s set to theirs: {filename: (gz, array)}."""
    archives, resources = {}, []
    for filename, _ in cls.resources:
        array = RNG.integers(0, 10, 5, dtype=np.uint8) if "labels" in filename else \
            RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8)
        archives[filename] = gzip.compress(_idx(array)), array
        resources.append((filename, hashlib.md5(archives[filename][0]).hexdigest()))
    monkeypatch.setattr(cls, "resources", resources)
    return archives


def test_download_fetches_checks_and_unpacks_into_the_raw_folder(tmp_path, monkeypatch, capsys):
    archives = _mnist_archives(monkeypatch)
    first, second = datasets.MNIST.mirrors
    served = {first + name: urllib.error.HTTPError(first + name, 403, "Forbidden", {}, None) for name in archives}
    served.update({second + name: gz for name, (gz, _) in archives.items()})
    asked = _serve(monkeypatch, served)
    ds = datasets.MNIST(tmp_path, train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), archives["t10k-images-idx3-ubyte.gz"][1])
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted([*archives, *(name[:-3] for name in archives)])  # nothing else
    assert len(asked) == 8 and "Downloading" in capsys.readouterr().out  # each file: the first mirror, then the next
    datasets.MNIST(tmp_path, download=True)
    assert len(asked) == 8  # present: nothing fetched again


def test_a_download_with_the_wrong_checksum_is_refused_and_leaves_no_file(tmp_path, monkeypatch):
    archives = _mnist_archives(monkeypatch)
    _serve(monkeypatch, {mirror + name: gz + b"tampered" for name, (gz, _) in archives.items()
                         for mirror in datasets.MNIST.mirrors})
    with pytest.raises(RuntimeError, match="md5") as caught:
        datasets.MNIST(tmp_path, download=True)
    assert "expected " + datasets.MNIST.resources[0][1] in str(caught.value)
    assert os.listdir(tmp_path / "MNIST" / "raw") == []  # no half-written or refused file, no .part


def test_without_network_the_error_names_each_url_and_how_to_place_the_files(tmp_path, monkeypatch):
    _serve(monkeypatch, {})  # every URL: URLError
    with pytest.raises(RuntimeError) as caught:
        datasets.FashionMNIST(tmp_path, download=True)
    text = str(caught.value)
    assert "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz" in text
    assert "no route to host" in text and "Without network" in text
    assert os.path.join(str(tmp_path), "FashionMNIST", "raw") in text
    assert os.listdir(tmp_path / "FashionMNIST" / "raw") == []


# -- CIFAR --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol, py2", [(2, False), (4, False), (5, False), (2, True)],
                         ids=["protocol2", "protocol4", "protocol5", "python2-cPickle"])
def test_cifar10_reads_the_batches_in_every_pickle_protocol(tmp_path, protocol, py2):
    made = _cifar_folder(tmp_path, protocol=protocol, py2=py2)
    ds = datasets.CIFAR10(tmp_path, train=True, transform=transforms.ToTensor())
    rows = np.vstack([made[f"data_batch_{i}"]["data"] for i in range(1, 6)])
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.data.dtype == np.uint8
    # row layout: the red plane, then green, then blue, each 32×32 row-major
    assert ds.data[7, 3, 5, 2] == rows[7, 2 * 1024 + 3 * 32 + 5] and ds.data[7, 0, 1, 0] == rows[7, 1]
    assert ds.targets == sum((made[f"data_batch_{i}"]["labels"] for i in range(1, 6)), [])
    assert all(type(t) is int for t in ds.targets)
    assert ds.classes[3] == "class 3" and ds.class_to_idx["class 9"] == 9
    x, y = ds[7]
    assert x.shape == (3, 32, 32) and y == ds.targets[7]
    np.testing.assert_array_equal(x.numpy() * np.float32(255), ds.data[7].transpose(2, 0, 1).astype(np.float32))
    test = datasets.CIFAR10(tmp_path, train=False)
    assert len(test) == 4 and test.targets == made["test_batch"]["labels"] and test.extra_repr() == "Split: Test"
    assert isinstance(test[0][0], np.ndarray) and test[0][0].shape == (32, 32, 3)


def test_the_python2_fixture_is_what_pickle_reads_as_torchvision_does(tmp_path):
    batch = _cifar_batch(3)
    entry = pickle.loads(_py2_pickle(batch), encoding="latin1")  # torchvision's own way of reading it
    np.testing.assert_array_equal(entry["data"], batch["data"])
    assert entry["labels"] == batch["labels"] and entry["filenames"] == batch["filenames"]


def test_cifar100_takes_the_fine_labels(tmp_path):
    made = _cifar_folder(tmp_path, cls=datasets.CIFAR100, n=6)
    ds = datasets.CIFAR100(tmp_path, train=False)
    assert ds.targets == made["test"]["fine_labels"] and len(ds.classes) == 100 and len(ds) == 6


class _RunsACommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_a_pickle_naming_another_global_is_refused_and_nothing_runs(tmp_path):
    _cifar_folder(tmp_path)
    marker = tmp_path / "ran"
    batch = _cifar_batch(4)
    batch["batch_label"] = _RunsACommand(f"touch {marker}")
    path = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    path.write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"names the global (os|posix)\.system") as caught:
        datasets.CIFAR10(tmp_path)
    assert str(path) in str(caught.value) and "nothing from the file was run" in str(caught.value)
    assert not marker.exists()


@pytest.mark.parametrize("entry, message", [
    ({"data": np.array([1, "a"], dtype=object), "labels": [0, 1]}, "not a plain numeric dtype"),
    ({"data": np.zeros((2, 3072), np.uint8), "labels": [np.int64(0), np.int64(1)]}, "names the global numpy"),
], ids=["object-array", "numpy-scalars"])
def test_a_pickle_with_objects_a_cifar_batch_never_holds_is_refused(tmp_path, entry, message):
    _cifar_folder(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps(entry))
    with pytest.raises(pickle.UnpicklingError, match=message):
        datasets.CIFAR10(tmp_path, train=False)


def test_a_pickle_that_builds_anything_but_numpys_arrays_is_refused(tmp_path):
    _cifar_folder(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(b"\x80\x02}q\x00(U\x04dataq\x01}q\x02}q\x03bu.")  # {"data": {} with BUILD({})}
    with pytest.raises(pickle.UnpicklingError, match="BUILD of a dict is not allowed"):
        datasets.CIFAR10(tmp_path, train=False)


@pytest.mark.parametrize("damage, error, message", [
    (lambda raw: raw[: len(raw) // 2], pickle.UnpicklingError, "damaged pickle"),
    (lambda raw: pickle.dumps({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}), ValueError, "N, 3072"),
    (lambda raw: pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}), ValueError, "2 images"),
], ids=["truncated", "wrong-row-size", "labels-missing"])
def test_a_damaged_cifar_batch_is_refused_naming_it(tmp_path, damage, error, message):
    _cifar_folder(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(error, match=message) as caught:
        datasets.CIFAR10(tmp_path, train=False)
    assert str(path) in str(caught.value)


def _tar_gz(files):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_cifar_download_fetches_the_archive_and_takes_out_only_the_batches(tmp_path, monkeypatch, capsys):
    source = tmp_path / "elsewhere"
    _cifar_folder(source)
    folder = datasets.CIFAR10.base_folder
    files = {f"{folder}/{name}": (source / folder / name).read_bytes() for name in os.listdir(source / folder)}
    archive = _tar_gz({**files, "../escaped": b"outside", f"{folder}/readme.html": b"<html>"})
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(archive).hexdigest())
    for attribute in ("train_list", "test_list"):
        monkeypatch.setattr(datasets.CIFAR10, attribute, [[name, hashlib.md5(files[f"{folder}/{name}"]).hexdigest()]
                                                          for name, _ in getattr(datasets.CIFAR10, attribute)])
    asked = _serve(monkeypatch, {datasets.CIFAR10.url: archive})
    root = tmp_path / "data"
    ds = datasets.CIFAR10(root, train=True, download=True)
    assert len(ds) == 20 and asked == [datasets.CIFAR10.url]
    assert sorted(os.listdir(root)) == sorted([datasets.CIFAR10.filename, folder])
    assert sorted(os.listdir(root / folder)) == sorted(name.split("/")[1] for name in files)  # no readme, no escape
    assert not (tmp_path / "escaped").exists()
    capsys.readouterr()
    datasets.CIFAR10(root, download=True)
    assert asked == [datasets.CIFAR10.url] and "Files already downloaded and verified" in capsys.readouterr().out


def test_cifar_download_refuses_a_wrong_archive(tmp_path, monkeypatch):
    _serve(monkeypatch, {datasets.CIFAR10.url: b"not the archive"})
    with pytest.raises(RuntimeError, match="md5") as caught:
        datasets.CIFAR10(tmp_path, download=True)
    assert datasets.CIFAR10.url in str(caught.value) and "Without network" in str(caught.value)
    assert os.listdir(tmp_path) == []
