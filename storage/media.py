"""Photo files on disk, addressed by their SHA-256; a draft's photos wait in a staging folder, an export's files in a
scratch folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path

import imagehash
from PIL import Image, ImageStat, UnidentifiedImageError

from domain.hazards import MediaKind, Photo

# Below this grey-level standard deviation a picture has too little in it for a perceptual hash to mean anything
# (a lens cap, a blank wall, a flat test image): every such picture would hash alike. Real site photos are at 30–70.
FEATURELESS_STDDEV = 8.0


class MediaStore:
    """Content-addressed media: `ab/abcdef….jpg` under the media directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / "staging"
        self.scratch = root / "scratch"

    def prepare(self, keep: Collection[str] = ()) -> None:
        """Create the folders, emptying staging but for the drafts in `keep` (restored with their users' sessions)
        and emptying scratch: what else is there at start was abandoned, by a bot killed while it worked (the
        instance lock is held before this runs)."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        for folder in self.staging.iterdir():
            if folder.name in keep:
                continue
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.unlink(missing_ok=True)

    def stage(self, draft_key: str, data: bytes, file_id: str, file_unique_id: str, suffix: str,
              kind: MediaKind = MediaKind.PHOTO) -> Photo:
        """Keep a draft's photo (or image file: `kind`) until the draft is submitted or abandoned."""
        digest = hashlib.sha256(data).hexdigest()
        folder = self.staging / draft_key
        folder.mkdir(parents=True, exist_ok=True)
        _write_durably(folder / f"{digest}{suffix}", data)
        return Photo(file_id, file_unique_id, digest, len(data), f"staging/{draft_key}/{digest}{suffix}", kind)

    def commit(self, photo: Photo) -> Photo:
        """Move a staged photo to its permanent place (idempotent: a second call finds it there)."""
        suffix = Path(photo.media_path).suffix
        final = f"{photo.sha256[:2]}/{photo.sha256}{suffix}"
        target = self.root / final
        source = self.root / photo.media_path
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            _fsync_dir(target.parent)
        return Photo(photo.file_id, photo.file_unique_id, photo.sha256, photo.size, final, photo.kind)

    def scratch_folder(self, prefix: str) -> tempfile.TemporaryDirectory[str]:
        """A folder for files made for a while (an export's), removed on leaving it; one a killed bot left is removed
        at the next start (`prepare`), not left in the system's temporary folder for ever."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryDirectory(prefix=prefix, dir=self.scratch)

    def discard(self, draft_key: str) -> None:
        """Forget an abandoned draft's photos."""
        shutil.rmtree(self.staging / draft_key, ignore_errors=True)

    def path_of(self, photo: Photo) -> Path:
        """Where the photo's file is."""
        return self.root / photo.media_path

    def perceptual_hash(self, media_path: str) -> str:
        """The stored photo's 64-bit perceptual hash (ImageHash's phash) as 16 hex digits; '' when it has none
        (featureless, unreadable or missing). Slow (tens of ms): call it in a worker thread."""
        try:
            with Image.open(self.root / media_path) as image:
                grey = image.convert("L")
                if ImageStat.Stat(grey).stddev[0] < FEATURELESS_STDDEV:
                    return ""
                return str(imagehash.phash(grey))
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
            return ""


def _write_durably(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".part")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
