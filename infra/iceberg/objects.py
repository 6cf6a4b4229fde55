"""Files of a warehouse, in a local folder or the stack's S3 bucket, through pyiceberg's own pyarrow FileIO.

Backups, restores and maintenance all reach the bucket with the FileIO the catalog is configured with
(endpoint, keys, path-style addressing), so there is one S3 client configuration, not one per feature.
Every file is named by its *normalised* URI: a local path as a plain path string, an object as
``s3://bucket/key``; that is the form `reachable_files` is compared in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

from pyarrow.fs import FileSelector, FileSystem, FileType, LocalFileSystem
from pyiceberg.io import FileIO
from pyiceberg.io.pyarrow import PyArrowFileIO

from infra.iceberg.files import local_path

_S3_SCHEMES = {"s3", "s3a", "s3n"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    name: str  # normalised URI
    size: int
    mtime_s: float


def normalised(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme in _S3_SCHEMES:
        return f"s3://{parsed.netloc}{parsed.path}"
    path = local_path(uri)
    if path is None:
        raise ValueError(f"{uri}: neither a local file nor an S3 object")
    return str(path)


def filesystem_of(io: FileIO, uri: str) -> tuple[FileSystem, str]:
    """The pyarrow file system and its path for a file or folder URI."""
    parsed = urlparse(uri)
    if parsed.scheme in _S3_SCHEMES:
        if not isinstance(io, PyArrowFileIO):
            raise TypeError(f"{type(io).__name__}: S3 access needs pyiceberg's PyArrowFileIO")
        return io.fs_by_scheme(parsed.scheme, parsed.netloc), f"{parsed.netloc}{parsed.path}"
    return LocalFileSystem(), normalised(uri)


def list_files(io: FileIO, folder_uri: str) -> list[StoredFile]:
    """Every file under a folder (a prefix in the bucket); an absent folder has none."""
    fs, root = filesystem_of(io, folder_uri.rstrip("/"))
    scheme = "s3://" if urlparse(folder_uri).scheme in _S3_SCHEMES else ""
    infos = fs.get_file_info(FileSelector(root, recursive=True, allow_not_found=True))
    return [
        StoredFile(
            name=f"{scheme}{info.path}",
            size=int(info.size or 0),
            mtime_s=info.mtime.timestamp() if info.mtime is not None else 0.0,
        )
        for info in infos
        if info.type == FileType.File
    ]


def delete_file(io: FileIO, name: str) -> None:
    fs, path = filesystem_of(io, name)
    fs.delete_file(path)


def read_chunks(io: FileIO, name: str) -> Iterator[bytes]:
    fs, path = filesystem_of(io, name)
    with fs.open_input_stream(path) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def write_from(io: FileIO, name: str, chunks: Iterator[bytes]) -> None:
    fs, path = filesystem_of(io, name)
    with fs.open_output_stream(path) as stream:
        for chunk in chunks:
            stream.write(chunk)
