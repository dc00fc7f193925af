"""Downloading and checking data files, as torchvision.datasets.utils: md5 checksums, fetching from mirrors,
unpacking gzip and xz files and the members of a tar.gz or a zip, and verify_str_arg.

Nothing is ever half-written: a download goes to a temporary file beside its destination (".name.<random>.part"),
is checked against its md5, and only then renamed into place (os.replace, atomic on one file system); a failed or
refused download leaves no file behind. Unpacking writes the same way. URLs are fetched with urllib
(`urllib.request.urlopen`), so tests and proxies can stand in for it.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

from ...serialization import replace_file

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "download_from_mirrors", "gunzip",
           "unxz", "extract_tar_members", "extract_zip_members", "verify_str_arg"]

_CHUNK = 1 << 20


def calculate_md5(fpath, chunk_size=_CHUNK):
    """The md5 hex digest of the file at fpath (read in chunks)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_md5(fpath, md5):
    """Whether the file's md5 is `md5`."""
    return calculate_md5(fpath) == md5


def check_integrity(fpath, md5=None):
    """Whether fpath is a file and, when md5 is given, has that checksum (torchvision's check_integrity)."""
    return os.path.isfile(fpath) and (md5 is None or check_md5(fpath, md5))


def _write_atomically(path, copy):
    """copy(file) writes the content; it lands at path (its folder made if missing) only if copy returns, else
    nothing is left."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    replace_file(path, copy)


def download_url(url, root, filename=None, md5=None, timeout=60):
    """Download `url` into root/filename (filename: the URL's last part), checked against md5 when given. A file
    already there with that md5 is kept ("Using downloaded and verified file"). Raises OSError when the URL cannot be
    read (urllib's URLError is one) and RuntimeError when the download's md5 differs; either way nothing is written."""
    fpath = os.path.join(os.fspath(root), filename or os.path.basename(url))
    if md5 is not None and check_integrity(fpath, md5):
        print(f"Using downloaded and verified file: {fpath}")
        return fpath
    print(f"Downloading {url} to {fpath}")
    digest = hashlib.md5(usedforsecurity=False)

    def fetch(out):
        request = urllib.request.Request(url, headers={"User-Agent": "autograd-core"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if md5 is not None and digest.hexdigest() != md5:
            raise RuntimeError(f"{url}: the download's md5 is {digest.hexdigest()}, expected {md5}: refused (not "
                               f"written to {fpath})")

    _write_atomically(fpath, fetch)
    return fpath


def download_from_mirrors(urls, fpath, md5, by_hand=""):
    """Download fpath from the first of `urls` that serves it with the right md5 (a file already there with that md5
    is kept). When none does, RuntimeError lists each URL with what went wrong, then `by_hand` (how to place the file
    without network)."""
    if check_integrity(fpath, md5):
        return fpath
    failures = []
    for url in urls:
        try:
            return download_url(url, os.path.dirname(fpath), os.path.basename(fpath), md5)
        except (OSError, RuntimeError) as err:  # no network, HTTP errors, a wrong checksum: try the next mirror
            failures.append(f"  {url}: {err}")
    raise RuntimeError(f"could not download {os.path.basename(fpath)} (md5 {md5}):\n" + "\n".join(failures)
                       + (f"\n{by_hand}" if by_hand else ""))


def _unpack(opener, source, destination):
    def copy(out):
        with opener(source, "rb") as compressed:
            shutil.copyfileobj(compressed, out, _CHUNK)

    _write_atomically(destination, copy)
    return destination


def gunzip(source, destination):
    """Decompress the gzip file `source` into `destination` (written atomically); OSError/EOFError for a damaged
    gzip file."""
    return _unpack(gzip.open, source, destination)


def unxz(source, destination):
    """Decompress the xz file `source` into `destination` (written atomically); lzma.LZMAError for a damaged one."""
    return _unpack(lzma.open, source, destination)


def verify_str_arg(value, arg, valid_values):
    """`value` if it is one of valid_values, else torchvision's ValueError: "Unknown value 'x' for argument arg.
    Valid values are {a, b}."."""
    if value not in valid_values:
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                         f"{{{', '.join(map(str, valid_values))}}}.")
    return value


def _extract_members(archive, members, lookup, is_file, open_member, unpack):
    for name, destination in members.items():
        try:
            member = lookup(name)
        except KeyError:
            raise RuntimeError(f"{archive} has no {name}: not the archive expected") from None
        if not is_file(member):
            raise RuntimeError(f"{archive}: {name} is not a regular file")

        def copy(out, member=member):
            with open_member(member) as stream:
                shutil.copyfileobj(gzip.GzipFile(fileobj=stream) if unpack else stream, out, _CHUNK)

        _write_atomically(destination, copy)


def extract_tar_members(archive, members):
    """Write the archive's members named in `members` (member name -> destination path), each atomically, and
    nothing else: no other member, no link, no path the archive chooses. RuntimeError for a member missing or not a
    regular file."""
    with tarfile.open(archive, "r:*") as tar:
        _extract_members(archive, members, tar.getmember, tarfile.TarInfo.isfile, tar.extractfile, False)


def extract_zip_members(archive, members, gunzip_members=False):
    """extract_tar_members for a zip file; with gunzip_members=True each member is a .gz whose content is written
    (EMNIST's zip of gzipped IDX files)."""
    with zipfile.ZipFile(archive) as zipped:
        _extract_members(archive, members, zipped.getinfo, lambda info: not info.is_dir(), zipped.open,
                         gunzip_members)
