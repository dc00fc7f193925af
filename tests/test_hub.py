"""torch.hub: the cache folder, downloads (temporary file, then rename; the SHA-256 prefix), checkpoints, and models
published as a hubconf.py, in a local folder or a GitHub repository. The network is never used: every URL is
served by a stand-in for urllib's urlopen, and GitHub repositories come from a pre-filled cache folder or a zip
served that way. Where PyTorch is installed, the same calls on torch.hub (with the same stand-in) are the oracle."""

import email.message
import hashlib
import io
import json
import os
import textwrap
import urllib.error
import zipfile

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import hub
from probe_helpers import error_of

HUBCONF = '''
"""A hubconf.py as a repository publishes it."""
import os.path as _helper_module   # a module: not callable, not an entrypoint
dependencies = ["json"]
VERSION = "1.0"                     # not callable

def tiny_mlp(width=4, *, scale=1.0):
    """A tiny model: its width and scale."""
    return {"width": width, "scale": scale}

def _helper():
    return "private"

class Tokenizer:
    """A class is an entrypoint too."""
'''


class _Response(io.BytesIO):
    """What urllib's urlopen returns: a binary file, its headers in info()."""

    def __init__(self, data, headers=()):
        super().__init__(data)
        self.headers = email.message.Message()
        for key, value in headers:
            self.headers[key] = value

    def info(self):
        return self.headers


class _Server:
    """A stand-in for urlopen serving `pages` (URL -> bytes, or an exception to raise); any other URL is 'no
    network'. `asked` records the URLs in order."""

    def __init__(self, pages=None):
        self.pages, self.asked = dict(pages or {}), []

    def __call__(self, request, *args, **kwargs):
        url = request if isinstance(request, str) else request.full_url
        self.asked.append(url)
        page = self.pages.get(url)
        if page is None:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        if isinstance(page, BaseException):
            raise page
        return _Response(page, [("Content-Length", str(len(page)))])


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    """An empty cache folder for autograd_core.hub (and torch.hub), set through TORCH_HOME."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setattr(hub, "urlopen", _Server())  # never the network
    return os.path.join(str(tmp_path), "torch_home", "hub")


def _torch_hub(monkeypatch, server):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "urlopen", server)
    return torch.hub


# ----------------------------------------------------------------------------------------------------
# The module and the cache folder


def test_the_module_imports_as_pytorchs():
    import autograd_core.hub
    from autograd_core.hub import load_state_dict_from_url

    assert ag.hub is autograd_core.hub and load_state_dict_from_url is hub.load_state_dict_from_url
    assert hub.__all__ == ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url",
                           "set_dir"]
    torch = pytest.importorskip("torch")
    assert hub.__all__ == torch.hub.__all__


def test_get_dir_follows_torch_home_xdg_cache_home_and_set_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == os.path.join(str(tmp_path), "xdg", "torch", "hub")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert hub.get_dir() == os.path.expanduser(os.path.join("~", ".cache", "torch", "hub"))
    monkeypatch.setenv("TORCH_HOME", "~/th")
    assert hub.get_dir() == os.path.join(os.path.expanduser("~"), "th", "hub")
    hub.set_dir(tmp_path / "mine")  # a PathLike
    assert hub.get_dir() == str(tmp_path / "mine")
    hub.set_dir("~/x")
    assert hub.get_dir() == os.path.join(os.path.expanduser("~"), "x")
    monkeypatch.setenv("TORCH_HUB", "/old")
    with pytest.warns(UserWarning, match="TORCH_HUB is deprecated, please use env TORCH_HOME instead"):
        hub.get_dir()


def test_get_dir_is_pytorchs(tmp_path, monkeypatch):
    torch_hub = _torch_hub(monkeypatch, _Server())
    monkeypatch.setattr(hub, "_hub_dir", None)
    for env in ({"XDG_CACHE_HOME": str(tmp_path)}, {"TORCH_HOME": str(tmp_path / "t"), "XDG_CACHE_HOME": "/x"}, {}):
        for name in ("TORCH_HOME", "XDG_CACHE_HOME"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert hub.get_dir() == torch_hub.get_dir()
    hub.set_dir("~/y")
    torch_hub.set_dir("~/y")
    assert hub.get_dir() == torch_hub.get_dir()


# ----------------------------------------------------------------------------------------------------
# download_url_to_file


URL = "https://example.org/files/weights-1234.bin"


def test_a_download_lands_whole_and_checks_its_hash_prefix(hub_dir, tmp_path, monkeypatch, capsys):
    data = bytes(range(256)) * 1000
    digest = hashlib.sha256(data).hexdigest()
    monkeypatch.setattr(hub, "urlopen", _Server({URL: data}))
    dst = tmp_path / "out.bin"
    hub.download_url_to_file(URL, str(dst), hash_prefix=digest[:8])
    assert dst.read_bytes() == data and os.listdir(tmp_path) == ["out.bin"]  # no temporary file left
    assert "100.0%" in capsys.readouterr().err  # the progress, on stderr
    hub.download_url_to_file(URL, dst, progress=False)  # a PathLike; no hash asked
    assert capsys.readouterr().err == ""


def test_a_wrong_hash_keeps_nothing_and_leaves_the_old_file(hub_dir, tmp_path, monkeypatch):
    data = b"not the published file"
    digest = hashlib.sha256(data).hexdigest()
    monkeypatch.setattr(hub, "urlopen", _Server({URL: data}))
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "w.bin").write_bytes(b"a working checkpoint")
    with pytest.raises(RuntimeError) as caught:
        hub.download_url_to_file(URL, str(folder / "w.bin"), hash_prefix="1234")
    assert str(caught.value) == f'invalid hash value (expected "1234", got "{digest}")'
    assert os.listdir(folder) == ["w.bin"] and (folder / "w.bin").read_bytes() == b"a working checkpoint"
    torch_hub = _torch_hub(monkeypatch, _Server({URL: data}))
    assert error_of(lambda: torch_hub.download_url_to_file(URL, str(folder / "t.bin"), "1234", False)) == (
        RuntimeError, str(caught.value))


def test_an_interrupted_download_leaves_no_partial_file(hub_dir, tmp_path, monkeypatch):
    class Broken(_Response):
        def read(self, size=-1):
            if self.tell():
                raise ConnectionResetError("connection reset by peer")
            return super().read(size)

    monkeypatch.setattr(hub, "urlopen", lambda request: Broken(b"x" * (1 << 20)))
    with pytest.raises(ConnectionResetError):
        hub.download_url_to_file(URL, str(tmp_path / "w.bin"), progress=False)
    assert [name for name in os.listdir(tmp_path) if name != "torch_home"] == []


def test_without_network_the_error_says_where_to_put_the_file(hub_dir, tmp_path):
    dst = str(tmp_path / "w.bin")
    with pytest.raises(hub.DownloadError) as caught:
        hub.download_url_to_file(URL, dst, progress=False)
    err = caught.value
    assert isinstance(err, urllib.error.URLError) and isinstance(err, RuntimeError)  # PyTorch's type, and ours
    assert str(err) == (f"could not download {URL} ([Errno -3] Temporary failure in name resolution). Without "
                        f"network: download it on a machine that can and put it at {dst}")
    assert not os.path.exists(dst) and [n for n in os.listdir(tmp_path) if n != "torch_home"] == []


def test_an_http_error_is_urllibs_as_in_pytorch(hub_dir, tmp_path, monkeypatch):
    missing = urllib.error.HTTPError(URL, 404, "Not Found", None, None)
    monkeypatch.setattr(hub, "urlopen", _Server({URL: missing}))
    with pytest.raises(urllib.error.HTTPError, match="404"):
        hub.download_url_to_file(URL, str(tmp_path / "w.bin"))
    assert [n for n in os.listdir(tmp_path) if n != "torch_home"] == []


# ----------------------------------------------------------------------------------------------------
# load_state_dict_from_url


CHECKPOINT_URL = "https://download.pytorch.org/models/tiny-{}.pth"


def _served_checkpoint(tmp_path):
    path = tmp_path / "served.pth"
    ag.save({"weight": np.arange(6, dtype=np.float32).reshape(2, 3), "bias": np.zeros(2, np.float32)}, path,
            format="torch")
    data = path.read_bytes()
    url = CHECKPOINT_URL.format(hashlib.sha256(data).hexdigest()[:8])
    return url, data


def test_a_checkpoint_is_downloaded_once_then_read_from_the_cache(hub_dir, tmp_path, monkeypatch, capsys):
    url, data = _served_checkpoint(tmp_path)
    server = _Server({url: data})
    monkeypatch.setattr(hub, "urlopen", server)
    state = hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    cached = os.path.join(hub_dir, "checkpoints", os.path.basename(url))
    assert capsys.readouterr().out == f'Downloading: "{url}" to {cached}\n'
    np.testing.assert_array_equal(state["weight"], np.arange(6).reshape(2, 3))
    assert os.listdir(os.path.dirname(cached)) == [os.path.basename(url)]
    again = hub.load_state_dict_from_url(url, map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(again["bias"], [0, 0])
    assert server.asked == [url]  # read from the cache the second time
    other = tmp_path / "models"
    hub.load_state_dict_from_url(url, model_dir=str(other), file_name="renamed.pth", progress=False)
    assert os.listdir(other) == ["renamed.pth"]
    torch = pytest.importorskip("torch")
    theirs = _torch_hub(monkeypatch, _Server({url: data})).load_state_dict_from_url(url, check_hash=True,
                                                                                    progress=False)
    for name, value in theirs.items():
        np.testing.assert_array_equal(np.asarray(state[name]), value.numpy())
    assert isinstance(theirs["weight"], torch.Tensor)


def test_a_checkpoint_with_a_wrong_hash_is_refused_and_not_kept(hub_dir, tmp_path, monkeypatch):
    _, data = _served_checkpoint(tmp_path)
    url = CHECKPOINT_URL.format("00000000")
    monkeypatch.setattr(hub, "urlopen", _Server({url: data}))
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "00000000"'):
        hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    assert os.listdir(os.path.join(hub_dir, "checkpoints")) == []
    assert "weight" in hub.load_state_dict_from_url(url, progress=False)  # PyTorch's default: no check


def test_a_cached_checkpoint_needs_no_network(hub_dir, tmp_path):
    torch = pytest.importorskip("torch")
    os.makedirs(os.path.join(hub_dir, "checkpoints"))
    torch.save({"w": torch.ones(3)}, os.path.join(hub_dir, "checkpoints", "w-abc.pth"))
    state = hub.load_state_dict_from_url("https://example.org/w-abc.pth?download=1", check_hash=True)
    np.testing.assert_array_equal(state["w"], np.ones(3))  # the name from the URL's path, not its query


def test_a_checkpoint_that_cannot_be_downloaded_says_where_to_put_it(hub_dir):
    with pytest.raises(RuntimeError, match=r"Without network: download it on a machine that can and put it at "
                                           + os.path.join(hub_dir, "checkpoints", "resnet18-f37072fd.pth")):
        hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")


def test_a_legacy_zipped_checkpoint_is_unzipped_as_pytorch_does(hub_dir, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    inner = tmp_path / "inner.pth"
    torch.save({"w": torch.arange(3.0)}, inner, _use_new_zipfile_serialization=False)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.write(inner, "legacy-1234.pth")
    url = "https://example.org/legacy.zip"
    monkeypatch.setattr(hub, "urlopen", _Server({url: archive.getvalue()}))
    with pytest.warns(FutureWarning, match="Falling back to the old format < 1.6"):
        state = hub.load_state_dict_from_url(url, progress=False)
    np.testing.assert_array_equal(state["w"], [0, 1, 2])


# ----------------------------------------------------------------------------------------------------
# hubconf.py in a local folder


@pytest.fixture
def repo(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "hubconf.py").write_text(HUBCONF)
    return str(folder)


def test_load_local_calls_the_entrypoint_with_its_arguments(repo):
    assert hub.load(repo, "tiny_mlp", 8, source="local", scale=0.5) == {"width": 8, "scale": 0.5}
    assert hub.load(repo, "tiny_mlp", source="LOCAL") == {"width": 4, "scale": 1.0}  # the source in any case
    assert repo not in __import__("sys").path  # the folder is on sys.path only while hubconf runs


def test_a_typical_local_hub_model_loads_unchanged(tmp_path):
    folder = tmp_path / "mymodels"
    folder.mkdir()
    (folder / "hubconf.py").write_text(textwrap.dedent('''
        dependencies = ["numpy"]
        import autograd_core as torch
        import autograd_core.nn as nn

        def classifier(pretrained=False, num_classes=3):
            """A linear classifier."""
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, num_classes))
            return model
    '''))
    model = ag.hub.load(str(folder), "classifier", source="local", num_classes=5)
    model.eval()
    with ag.no_grad():
        assert model(ag.randn(2, 4)).shape == (2, 5)


def test_load_local_errors_are_pytorchs(repo, tmp_path, monkeypatch):
    cases = [
        lambda h: h.load(repo, "missing", source="local"),
        lambda h: h.load(repo, "VERSION", source="local"),
        lambda h: h.load(repo, "_helper_module", source="local"),
        lambda h: h.load(repo, 3, source="local"),
        lambda h: h.load(repo, "tiny_mlp", source="gitlab"),
    ]
    ours = [error_of(lambda case=case: case(hub)) for case in cases]
    assert ours == [(RuntimeError, "Cannot find callable missing in hubconf"),
                    (RuntimeError, "Cannot find callable VERSION in hubconf"),
                    (RuntimeError, "Cannot find callable _helper_module in hubconf"),
                    (ValueError, "Invalid input: model should be a string of function name"),
                    (ValueError, 'Unknown source: "gitlab". Allowed values: "github" | "local".')]
    torch_hub = _torch_hub(monkeypatch, _Server())
    assert ours == [error_of(lambda case=case: case(torch_hub)) for case in cases]


def test_missing_dependencies_are_named(tmp_path, monkeypatch):
    folder = tmp_path / "deps"
    folder.mkdir()
    (folder / "hubconf.py").write_text('dependencies = ["json", "no_such_package_x", "no_such_y"]\n'
                                       'def m():\n    return 1\n')
    expected = (RuntimeError, "Missing dependencies: no_such_package_x, no_such_y")
    assert error_of(lambda: hub.load(str(folder), "m", source="local")) == expected
    torch_hub = _torch_hub(monkeypatch, _Server())
    assert error_of(lambda: torch_hub.load(str(folder), "m", source="local")) == expected


# ----------------------------------------------------------------------------------------------------
# GitHub repositories: the cache folder owner_repo_branch


def _fill_cache(hub_dir, folder_name, hubconf=HUBCONF):
    folder = os.path.join(hub_dir, folder_name)
    os.makedirs(folder)
    with open(os.path.join(folder, "hubconf.py"), "w") as f:
        f.write(hubconf)
    return folder


def test_a_cached_repository_loads_without_network(hub_dir, capsys):
    folder = _fill_cache(hub_dir, "someone_models_v2.0")
    assert hub.list("someone/models:v2.0", trust_repo=True) == ["Tokenizer", "tiny_mlp"]
    assert capsys.readouterr().err == f"Using cache found in {folder}\n"
    assert hub.help("someone/models:v2.0", "tiny_mlp", trust_repo=True) == "A tiny model: its width and scale."
    assert hub.load("someone/models:v2.0", "tiny_mlp", 2, trust_repo=True, verbose=False) == {"width": 2, "scale": 1}
    assert capsys.readouterr().err == f"Using cache found in {folder}\n"  # help's; load's muted by verbose=False
    with open(os.path.join(hub_dir, "trusted_list")) as f:
        assert f.read() == ""  # a repository already downloaded counts as trusted (PyTorch's legacy rule)


def test_without_a_ref_the_cached_main_or_master_is_used(hub_dir):
    _fill_cache(hub_dir, "someone_models_master")
    assert hub.load("someone/models", "tiny_mlp", trust_repo=True) == {"width": 4, "scale": 1.0}
    assert hub.urlopen.asked == ["https://github.com/someone/models/tree/main/"]  # tried, no network


def test_without_network_and_cache_the_error_says_what_to_do(hub_dir):
    with pytest.raises(RuntimeError) as caught:
        hub.load("someone/models", "tiny_mlp", trust_repo=True)
    message = str(caught.value)
    assert message.startswith("It looks like there is no internet connection and the repo could not be found in "
                              f"the cache ({hub_dir})")
    assert f"unpack it into {os.path.join(hub_dir, 'someone_models_main')}" in message
    assert "source='local'" in message and isinstance(caught.value, urllib.error.URLError)
    with pytest.raises(hub.DownloadError, match="could not reach GitHub to check someone/models:dev.*"
                                                 "someone_models_dev or call torch.hub.load"):
        hub.load("someone/models:dev", "tiny_mlp", trust_repo=True)  # the validation asks GitHub's API
    with pytest.raises(hub.DownloadError, match="could not download the repository someone/models:dev .*Without "
                                                 "network: download https://github.com/someone/models"):
        hub.load("someone/models:dev", "tiny_mlp", trust_repo=True, skip_validation=True)
    assert sorted(os.listdir(hub_dir)) == ["trusted_list"]  # nothing half-downloaded


def _zipball(top="someone-models-1a2b3c4", hubconf=HUBCONF):
    """A repository as GitHub's zipball serves it: everything under one top folder named owner-repo-sha."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr(f"{top}/", "")
        z.writestr(f"{top}/hubconf.py", hubconf)
        z.writestr(f"{top}/README.md", "models")
    return data.getvalue()


ZIPBALL = "https://github.com/someone/models/zipball/feature/x"
BRANCHES = "https://api.github.com/repos/someone/models/branches?per_page=100&page="
TAGS = "https://api.github.com/repos/someone/models/tags?per_page=100&page="


def _github(branches=("main", "feature/x")):
    listed = [{"name": name, "commit": {"sha": "1a2b3c4d5e"}} for name in branches]
    return {ZIPBALL: _zipball(), BRANCHES + "1": json.dumps(listed).encode(), BRANCHES + "2": b"[]",
            TAGS + "1": b"[]"}


def test_a_repository_is_downloaded_validated_and_unpacked_into_owner_repo_branch(hub_dir, monkeypatch, capsys):
    server = _Server(_github())
    monkeypatch.setattr(hub, "urlopen", server)
    assert hub.list("someone/models:feature/x", trust_repo=True) == ["Tokenizer", "tiny_mlp"]
    assert server.asked == [BRANCHES + "1", ZIPBALL]
    assert sorted(os.listdir(hub_dir)) == ["someone_models_feature_x", "trusted_list"]
    # hubconf's bytecode is left out: Python writes it where it may (PyTorch's import of hubconf.py writes it too)
    unpacked = set(os.listdir(os.path.join(hub_dir, "someone_models_feature_x"))) - {"__pycache__"}
    assert sorted(unpacked) == ["README.md", "hubconf.py"]
    with open(os.path.join(hub_dir, "trusted_list")) as f:
        assert f.read() == "someone_models\n"  # trust_repo=True adds it
    assert f'Downloading: "{ZIPBALL}" to {os.path.join(hub_dir, "feature_x.zip")}' in capsys.readouterr().out
    hub.load("someone/models:feature/x", "tiny_mlp")  # cached and trusted now: no question, no download
    assert server.asked == [BRANCHES + "1", ZIPBALL]
    hub.load("someone/models:feature/x", "tiny_mlp", force_reload=True, skip_validation=True)
    assert server.asked == [BRANCHES + "1", ZIPBALL, ZIPBALL]


def test_the_cache_layout_is_pytorchs(hub_dir, monkeypatch):
    torch_hub = _torch_hub(monkeypatch, _Server(_github()))
    torch_hub.set_dir(os.path.join(os.path.dirname(hub_dir), "theirs"))
    theirs = torch_hub.list("someone/models:feature/x", trust_repo=True)
    monkeypatch.setattr(hub, "urlopen", _Server(_github()))
    assert hub.list("someone/models:feature/x", trust_repo=True) == theirs
    assert sorted(os.listdir(hub_dir)) == sorted(os.listdir(torch_hub.get_dir()))
    for name in ("trusted_list", "someone_models_feature_x/hubconf.py"):
        with open(os.path.join(hub_dir, name)) as ours, open(os.path.join(torch_hub.get_dir(), name)) as other:
            assert ours.read() == other.read()


def test_a_ref_of_a_fork_is_refused(hub_dir, monkeypatch):
    monkeypatch.setattr(hub, "urlopen", _Server(_github(branches=("main",))))
    with pytest.raises(ValueError, match="Cannot find feature/x in https://github.com/someone/models. If it's a "
                                         "commit from a forked repo"):
        hub.load("someone/models:feature/x", "tiny_mlp", trust_repo=True)


def test_trust_repo_asks_before_running_an_untrusted_repository(hub_dir, monkeypatch):
    monkeypatch.setattr(hub, "urlopen", _Server(_github()))
    answers = []
    monkeypatch.setattr("builtins.input", lambda prompt: answers.append(prompt) or "n")
    with pytest.raises(Exception, match="Untrusted repository."):
        hub.load("someone/models:feature/x", "tiny_mlp")  # "check": not trusted, so it asks
    assert answers[0].startswith("The repository someone_models does not belong to the list of trusted "
                                 "repositories")
    assert not os.path.exists(os.path.join(hub_dir, "someone_models_feature_x"))  # refused before any download
    monkeypatch.setattr("builtins.input", lambda prompt: "maybe")
    with pytest.raises(ValueError, match="Unrecognized response maybe."):
        hub.load("someone/models:feature/x", "tiny_mlp", trust_repo=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert hub.load("someone/models:feature/x", "tiny_mlp", trust_repo="check") == {"width": 4, "scale": 1.0}
    with open(os.path.join(hub_dir, "trusted_list")) as f:
        assert f.read() == "someone_models\n"
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked again"))
    hub.load("someone/models:feature/x", "tiny_mlp")  # listed now


def test_pytorchs_own_organisations_are_trusted_without_asking(hub_dir, monkeypatch):
    monkeypatch.setattr(hub, "urlopen", _Server({"https://github.com/pytorch/vision/zipball/v0.10.0": _zipball()}))
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked"))
    assert hub.list("pytorch/vision:v0.10.0", skip_validation=True) == ["Tokenizer", "tiny_mlp"]
    with open(os.path.join(hub_dir, "trusted_list")) as f:
        assert f.read() == ""  # trusted by its owner, so not listed


def test_an_archive_that_escapes_the_cache_is_refused(hub_dir, monkeypatch):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("top/", "")
        z.writestr("top/../../evil.py", "print('no')")
    pages = _github()
    pages[ZIPBALL] = data.getvalue()
    monkeypatch.setattr(hub, "urlopen", _Server(pages))
    with pytest.raises(ValueError, match="Archive entry contains directory traversal"):
        hub.load("someone/models:feature/x", "tiny_mlp", trust_repo=True, skip_validation=True)
    assert not os.path.exists(os.path.join(os.path.dirname(hub_dir), "evil.py"))
