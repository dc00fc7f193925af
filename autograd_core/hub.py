"""PyTorch's `torch.hub`: checkpoints downloaded once into a cache folder, and models published as a `hubconf.py`.

    state = torch.hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")
    model = torch.hub.load("path/to/repo", "my_model", source="local", pretrained=False)
    model = torch.hub.load("owner/repo:branch", "my_model", trust_repo=True)   # a GitHub repository, cached

The cache is PyTorch's own folder, so what PyTorch downloaded is used as it is: `get_dir()` is `$TORCH_HOME/hub`
(TORCH_HOME defaults to `$XDG_CACHE_HOME/torch`, XDG_CACHE_HOME to `~/.cache`) unless `set_dir` chose another;
checkpoints live in its `checkpoints` folder, GitHub repositories in `owner_repo_branch` folders beside the
`trusted_list` file. A download goes to a temporary file beside its destination and is renamed into place only when
complete (and its SHA-256 checked, when asked), so a failed or refused download leaves nothing behind.

Without network, a download raises `DownloadError` (both urllib's URLError, as PyTorch raises, and a RuntimeError)
whose message says where to put the file by hand; a repository already in the cache is used without network.
Checkpoints load with `autograd_core.load`, which never runs code from the file (PyTorch's weights_only=True).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import uuid
import warnings
import zipfile
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")  # the hash prefix in a checkpoint's name: bfd8deac of resnet18-bfd8deac.pth
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
READ_DATA_CHUNK = 128 * 1024
_hub_dir = None  # what set_dir chose


class DownloadError(URLError, RuntimeError):
    """A download that could not reach its server (no network, a name that does not resolve, a timeout). It is the
    URLError PyTorch raises there, and a RuntimeError; its message names the URL and where to put the file by hand."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


def _get_torch_home():
    return os.path.expanduser(os.getenv(ENV_TORCH_HOME,
                                        os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch")))


def get_dir():
    """The folder of torch.hub's cache: what `set_dir` chose, else `$TORCH_HOME/hub` (TORCH_HOME defaulting to
    `$XDG_CACHE_HOME/torch`, XDG_CACHE_HOME to `~/.cache`), as PyTorch's."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    """Use the folder `d` (a str or os.PathLike; `~` expanded) as torch.hub's cache from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def _offline(url, reason, what_to_do):
    return DownloadError(f"could not download {url} ({reason}). Without network: {what_to_do}")


@contextlib.contextmanager
def _progress_bar(total, enabled):
    """PyTorch's fallback progress display when tqdm is not installed: the percentage (or the bytes) on stderr."""
    done = [0]

    def update(n):
        done[0] += n
        if enabled:
            sys.stderr.write(f"\r{100 * done[0] / total:.1f}%" if total else f"\r{done[0]:.1f} bytes")
            sys.stderr.flush()
    yield update
    if enabled:
        sys.stderr.write("\n")


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download `url` to the path `dst` (`~` expanded), showing the progress on stderr when `progress`.

    The bytes go to a temporary file `dst.<random>.partial` that is renamed to `dst` only once complete, so an
    interrupted or refused download never leaves a partial file, nor damages a file already at `dst`. With
    `hash_prefix`, the SHA-256 hex digest of the download must start with it, else RuntimeError('invalid hash value
    (expected "...", got "...")') and nothing is kept. An HTTP error is urllib's HTTPError, as in PyTorch; no network
    is a DownloadError (a URLError) saying where to put the file by hand."""
    dst = os.path.expanduser(os.fspath(dst))
    partial = f"{dst}.{uuid.uuid4().hex}.partial"
    request = Request(url, headers={"User-Agent": "torch.hub"})
    try:
        with open(partial, "w+b") as out:
            try:
                response = urlopen(request)
            except HTTPError:
                raise
            except (URLError, TimeoutError, ConnectionError) as err:
                reason = getattr(err, "reason", err)
                raise _offline(url, reason, f"download it on a machine that can and put it at {dst}") from err
            with response:
                length = response.info().get_all("Content-Length")
                sha256 = hashlib.sha256() if hash_prefix is not None else None
                with _progress_bar(int(length[0]) if length else None, progress) as advance:
                    for chunk in iter(lambda: response.read(READ_DATA_CHUNK), b""):
                        out.write(chunk)
                        if sha256 is not None:
                            sha256.update(chunk)
                        advance(len(chunk))
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(partial, dst)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _is_legacy_zip_format(filename):
    """A zip holding one file that is not one of ours: how PyTorch before 1.6 published some checkpoints (a
    torch.save file, zipped by hand). A torch.save or autograd_core.save archive holds several entries."""
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as archive:
            members = archive.infolist()
        return len(members) == 1 and not members[0].is_dir() and not members[0].filename.endswith(".npy")
    return False


def _legacy_zip_load(filename, model_dir, map_location, weights_only):
    from .serialization import load as load_file

    warnings.warn("Falling back to the old format < 1.6. This support will be deprecated in favor of default zipfile "
                  "format introduced in 1.6. Please redo torch.save() to save it in the new zipfile format.",
                  FutureWarning, stacklevel=3)
    with zipfile.ZipFile(filename) as archive:
        _safe_extract_zip(archive, model_dir)
        extracted = os.path.join(model_dir, archive.infolist()[0].filename)
    return load_file(extracted, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False, file_name=None,
                             weights_only=False):
    """The object `torch.save` (or `autograd_core.save`) wrote at `url`, cached as `model_dir/file_name`.

    model_dir defaults to `get_dir()/checkpoints`; file_name to the last part of the URL's path. A cached file is
    read as it is; a missing one is downloaded first (`download_url_to_file`), with check_hash its SHA-256 checked
    against the hex digits after the last '-' of the name ("resnet18-f37072fd.pth"). Returns what
    `autograd_core.load(path, map_location=map_location)` returns: a state dict of arrays for a checkpoint. Loading
    never runs code from the file, whatever weights_only says (accepted for PyTorch code)."""
    from .serialization import load as load_file

    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress=progress)
    if _is_legacy_zip_format(cached_file):
        return _legacy_zip_load(cached_file, model_dir, map_location, weights_only)
    return load_file(cached_file, map_location=map_location, weights_only=weights_only)


# ----------------------------------------------------------------------------------------------------
# Models published as a hubconf.py: in a local folder, or in a GitHub repository downloaded into the cache.

@contextlib.contextmanager
def _add_to_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise AssertionError(f"failed to load spec from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _import_hubconf(repo_dir):
    with _add_to_sys_path(repo_dir):
        return _import_module(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))


def _load_attr_from_module(module, func_name):
    return getattr(module, func_name) if func_name in dir(module) else None


def _check_dependencies(module):
    dependencies = _load_attr_from_module(module, VAR_DEPENDENCY)
    if dependencies is not None:
        missing = [name for name in dependencies if importlib.util.find_spec(name) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _load_entry_from_hubconf(module, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(module)
    func = _load_attr_from_module(module, model)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _entrypoints(module):
    """The names of a hubconf's callables, those starting with '_' (its helpers) left out, as PyTorch lists them."""
    return [name for name in dir(module) if callable(getattr(module, name)) and not name.startswith("_")]


def _remove_if_exists(path):
    if os.path.isfile(path):
        os.remove(path)
    elif os.path.exists(path):
        shutil.rmtree(path)


def _safe_extract_zip(archive, extract_to):
    """Extract `archive` into `extract_to`, refusing (ValueError) an entry that would land outside it."""
    extract_to = Path(extract_to).resolve(strict=False)
    for member in archive.infolist():
        filename = os.path.normpath(member.filename)
        if filename.startswith(("/", "\\")) or (len(filename) >= 2 and filename[1] == ":" and filename[0].isalpha()):
            raise ValueError(f"Archive entry has absolute path: {member.filename}")
        if ".." in re.split(r"[/\\]", filename):
            raise ValueError(f"Archive entry contains directory traversal: {member.filename}")
        if not (extract_to / filename).resolve(strict=False).is_relative_to(extract_to):
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
        archive.extract(member, extract_to)


def _git_archive_link(repo_owner, repo_name, ref):
    return f"https://github.com/{repo_owner}/{repo_name}/zipball/{ref}"


def _by_hand(repo_owner, repo_name, ref):
    """What to do without network: where a copy of the repository makes the GitHub path work, and the local path."""
    folder = os.path.join(get_dir(), "_".join([repo_owner, repo_name, ref.replace("/", "_")]))
    return (f"download https://github.com/{repo_owner}/{repo_name} (branch or tag {ref}) on a machine that can, then "
            f"either unpack it into {folder} or call torch.hub.load(<its folder>, model, source='local')")


def _parse_repo_info(github):
    repo_info, ref = github.split(":") if ":" in github else (github, None)
    repo_owner, repo_name = repo_info.split("/")
    if ref is None:
        # No ref given: the default branch, main when the repository has one, else master (PyTorch's guess).
        try:
            with urlopen(f"https://github.com/{repo_owner}/{repo_name}/tree/main/"):
                ref = "main"
        except HTTPError as err:
            if err.code != 404:
                raise
            ref = "master"
        except (URLError, TimeoutError, ConnectionError) as err:
            for possible_ref in ("main", "master"):  # no network: a cached copy of either will do
                if os.path.exists(f"{get_dir()}/{repo_owner}_{repo_name}_{possible_ref}"):
                    ref = possible_ref
                    break
            if ref is None:
                raise DownloadError(
                    f"It looks like there is no internet connection and the repo could not be found in the cache "
                    f"({get_dir()}). Without network: {_by_hand(repo_owner, repo_name, 'main')}") from err
    return repo_owner, repo_name, ref


def _read_url(url):
    with urlopen(url) as response:
        return response.read().decode(response.headers.get_content_charset("utf-8"))


def _validate_not_a_forked_repo(repo_owner, repo_name, ref):
    """ValueError unless `ref` is a branch or tag of the repository itself (or a commit one of them starts with):
    a commit of a fork would otherwise load under the original's name. Asks GitHub's API."""
    headers = {"Accept": "application/vnd.github.v3+json"}
    token = os.environ.get(ENV_GITHUB_TOKEN)
    if token is not None:
        headers["Authorization"] = f"token {token}"
    for url_prefix in (f"https://api.github.com/repos/{repo_owner}/{repo_name}/branches",
                       f"https://api.github.com/repos/{repo_owner}/{repo_name}/tags"):
        page = 0
        while True:
            page += 1
            url = f"{url_prefix}?per_page=100&page={page}"
            try:
                response = json.loads(_read_url(Request(url, headers=headers)))
            except HTTPError:
                headers.pop("Authorization", None)  # retry without a token that lacked the permission
                response = json.loads(_read_url(Request(url, headers=headers)))
            if not response:
                break
            for branch in response:
                if branch["name"] == ref or branch["commit"]["sha"].startswith(ref):
                    return
    raise ValueError(f"Cannot find {ref} in https://github.com/{repo_owner}/{repo_name}. If it's a commit from a "
                     "forked repo, please call hub.load() with forked repo directly.")


def _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo):
    """PyTorch's trust check: a repository is trusted when listed in the cache's trusted_list, already downloaded
    (a folder of the cache), or owned by PyTorch's own organisations. trust_repo=True trusts it (and lists it),
    "check" asks only when it is not trusted, False always asks (input: y/yes trusts, n/no/nothing raises)."""
    hub_dir = get_dir()
    filepath = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(filepath):
        Path(filepath).touch()
    with open(filepath) as file:
        trusted_repos = tuple(line.strip() for line in file)
    trusted_repos_legacy = next(os.walk(hub_dir))[1]
    owner_name = "_".join([repo_owner, repo_name])
    is_trusted = (owner_name in trusted_repos or owner_name_branch in trusted_repos_legacy
                  or repo_owner in _TRUSTED_REPO_OWNERS)
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(f"The repository {owner_name} does not belong to the list of trusted repositories and as "
                         "such cannot be downloaded. Do you trust this repository and wish to add it to the trusted "
                         "list of repositories (y/N)?")
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # PyTorch's exception type  # noqa: TRY002
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as file:
            file.write(owner_name + "\n")


def _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=False):
    """The folder of repository `github` ("owner/name[:ref]") in the cache, `get_dir()/owner_name_ref` ('/' in the
    ref made '_'), downloaded and unpacked there first when missing or when force_reload."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    repo_owner, repo_name, ref = _parse_repo_info(github)
    normalized_br = ref.replace("/", "_")
    owner_name_branch = "_".join([repo_owner, repo_name, normalized_br])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo=trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    try:
        if not skip_validation:
            _validate_not_a_forked_repo(repo_owner, repo_name, ref)
        cached_file = os.path.join(hub_dir, normalized_br + ".zip")
        _remove_if_exists(cached_file)
        url = _git_archive_link(repo_owner, repo_name, ref)
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        try:
            download_url_to_file(url, cached_file, progress=False)
        except HTTPError as err:
            if err.code != 300:
                raise
            # 300 Multiple Choices: the ref is both a tag and a branch; like git, take the branch, with a warning.
            warnings.warn(f"The ref {ref} is ambiguous. Perhaps it is both a tag and a branch in the repo? Torchhub "
                          "will now assume that it's a branch. You can disambiguate tags and branches by explicitly "
                          "passing refs/heads/branch_name or refs/tags/tag_name as the ref. That might require using "
                          "skip_validation=True.", stacklevel=2)
            download_url_to_file(_git_archive_link(repo_owner, repo_name, f"refs/heads/{ref}"), cached_file,
                                 progress=False)
    except DownloadError as err:
        raise DownloadError(f"could not download the repository {github} ({err.reason}). Without network: "
                            f"{_by_hand(repo_owner, repo_name, ref)}") from err
    except (URLError, TimeoutError, ConnectionError) as err:
        if isinstance(err, HTTPError):
            raise
        raise DownloadError(f"could not reach GitHub to check {github} ({getattr(err, 'reason', err)}). Without "
                            f"network: {_by_hand(repo_owner, repo_name, ref)}") from err
    with zipfile.ZipFile(cached_file) as archive:
        extracted_repo = os.path.join(hub_dir, archive.infolist()[0].filename)  # GitHub's top folder: owner-name-sha
        _remove_if_exists(extracted_repo)
        _safe_extract_zip(archive, hub_dir)
    _remove_if_exists(cached_file)
    _remove_if_exists(repo_dir)
    shutil.move(extracted_repo, repo_dir)
    return repo_dir


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):  # noqa: A001
    """The entrypoints of GitHub repository `github` ("owner/name[:ref]"; ref defaults to main, else master): the
    names of its hubconf.py's callables, those starting with '_' left out. The repository is downloaded into the
    cache first when missing (or when force_reload); trust_repo and skip_validation as in `load`."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=verbose, skip_validation=skip_validation)
    return _entrypoints(_import_hubconf(repo_dir))


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):  # noqa: A001
    """The docstring of entrypoint `model` of GitHub repository `github` (see `list`)."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=skip_validation)
    return _load_entry_from_hubconf(_import_hubconf(repo_dir), model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """What entrypoint `model` of a hubconf.py returns when called with *args and **kwargs (usually a model).

    source="local": repo_or_dir is a folder holding hubconf.py. source="github": repo_or_dir is "owner/name[:ref]"
    (ref: a branch or tag, default main, else master), whose copy in the cache (`get_dir()/owner_name_ref`) is
    used, downloaded first when missing or when force_reload. Before a download, skip_validation=False asks GitHub's
    API that the ref belongs to the repository (not a fork); trust_repo ("check", True, False) decides whether to
    ask before running an untrusted repository's code (see PyTorch's torch.hub.load). hubconf.py's `dependencies`
    (a list of package names) must be importable: RuntimeError('Missing dependencies: ...') otherwise.
    ValueError for another source, or a model that is not a str; RuntimeError when hubconf.py has no such
    callable."""
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose=verbose,
                                           skip_validation=skip_validation)
    return _load_local(repo_or_dir, model, *args, **kwargs)


def _load_local(hubconf_dir, model, *args, **kwargs):
    with _add_to_sys_path(hubconf_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(hubconf_dir, MODULE_HUBCONF))
        entry = _load_entry_from_hubconf(hub_module, model)
        return entry(*args, **kwargs)

