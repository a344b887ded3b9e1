"""Hazards (隐患): grades, states, the report a safety officer drafts, and the filed record."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

MAX_DESCRIPTION = 1000
MAX_PLACE = 200
MAX_PHOTOS = 10


class Grade(StrEnum):
    """Hazard grade: 一般 or 重大 (a 重大 hazard is 挂牌督办, supervised under a listed notice)."""

    GENERAL = "general"  # 一般隐患
    MAJOR = "major"  # 重大隐患


class State(StrEnum):
    """Where a hazard stands in the closed loop."""

    REPORTED = "reported"  # 已上报
    RECTIFYING = "rectifying"  # 整改中
    AWAITING_VERIFICATION = "awaiting_verification"  # 待验收
    CLOSED = "closed"  # 已销号 (xiaohao: closed after verification)
    RECHECK = "recheck"  # 回头看 (huitoukan: the recheck some days after closing)
    ARCHIVED = "archived"  # 已归档


class ThreadRole(StrEnum):
    """Why a unit is responsible: its industry (管行业必须管安全) or its territory (属地管理)."""

    DEPARTMENT = "department"
    TOWNSHIP = "township"


class MediaKind(StrEnum):
    """How Telegram holds a stored image's file_id: it refuses the id to a send method of another kind."""

    PHOTO = "photo"  # sent as a photo: sendPhoto, an album of photos
    DOCUMENT = "document"  # an image sent as a file: sendDocument, an album of documents


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo of a hazard: Telegram's ids and the downloaded file's content address."""

    file_id: str
    file_unique_id: str
    sha256: str
    size: int
    media_path: str  # relative to the media directory
    kind: MediaKind = MediaKind.PHOTO  # a draft's session written before the kind was kept: its photos were photos


class Step(StrEnum):
    """The questions of the report flow, in the order they are asked."""

    DESCRIPTION = "description"
    CATEGORY = "category"
    PLACE = "place"
    PHOTOS = "photos"
    GRADE = "grade"
    CONFIRM = "confirm"


class TextProblem(StrEnum):
    """Why a piece of typed text was refused."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNINFORMATIVE = "uninformative"  # only tags, punctuation, emoji or a single character: says nothing


MIN_DESCRIPTION_CHARS = 2  # letters or digits, tags aside: one character describes no hazard
_TAG = re.compile(r"#\S*")


def clean_text(text: str, limit: int) -> str | TextProblem:
    """User text without control characters (line breaks kept), or why it cannot be used."""
    cleaned = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    cleaned = cleaned.strip()
    if not cleaned:
        return TextProblem.EMPTY
    if len(cleaned) > limit:
        return TextProblem.TOO_LONG
    return cleaned


def _content_characters(text: str) -> list[str]:
    """The letters and digits of a text once its #tags are taken out (punctuation, emoji, spaces say nothing)."""
    return [c for c in _TAG.sub(" ", text) if unicodedata.category(c)[0] in "LN"]


def check_description(text: str) -> str | TextProblem:
    """A description that says something, cleaned; or why not (empty, too long, or only tags/punctuation/emoji)."""
    cleaned = clean_text(text, MAX_DESCRIPTION)
    if isinstance(cleaned, TextProblem):
        return cleaned
    content = _content_characters(cleaned)
    if len(content) < MIN_DESCRIPTION_CHARS or not any(unicodedata.category(c)[0] == "L" for c in content):
        return TextProblem.UNINFORMATIVE
    return cleaned


def check_place(text: str) -> str | TextProblem:
    """A place that names somewhere (a letter or digit beyond tags: 3号 or 仓库), cleaned; or why not."""
    cleaned = clean_text(text, MAX_PLACE)
    if isinstance(cleaned, TextProblem):
        return cleaned
    return cleaned if _content_characters(cleaned) else TextProblem.UNINFORMATIVE


def _filled(value: str | None, check: Callable[[str], str | TextProblem]) -> bool:
    # a TextProblem is a str too (StrEnum): a draft holding one (e.g. restored from an older version) is unfilled
    if value is None or isinstance(value, TextProblem):
        return False
    return not isinstance(check(value), TextProblem)


@dataclass(slots=True)
class Draft:
    """A report being written in private chat; nothing of it is stored until 提交."""

    key: str  # unique per draft: stale buttons and a double 提交 are recognised by it
    enterprise_id: str
    description: str = ""
    category_id: str | None = None
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photos: list[Photo] = field(default_factory=list)
    grade: Grade | None = None
    photos_done: bool = False  # the officer said 完成 (or the photos came with the report)
    album_id: str | None = None  # the media group that started a #隐患 shortcut report

    def next_step(self) -> Step:
        """The first question still unanswered, or CONFIRM when the draft is complete."""
        if not _filled(self.description, check_description):
            return Step.DESCRIPTION
        if self.category_id is None:
            return Step.CATEGORY
        if not _filled(self.place, check_place):
            return Step.PLACE
        if not self.photos_done:
            return Step.PHOTOS
        if self.grade is None:
            return Step.GRADE
        return Step.CONFIRM

    def reopen(self, step: Step) -> None:
        """Forget one answer so the flow asks it again (修改), keeping the rest."""
        if step is Step.DESCRIPTION:
            self.description = ""
        elif step is Step.CATEGORY:
            self.category_id = None
        elif step is Step.PLACE:
            self.place, self.latitude, self.longitude = None, None, None
        elif step is Step.PHOTOS:
            self.photos, self.photos_done = [], False
        elif step is Step.GRADE:
            self.grade = None


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a hazard is discussed in one responsible unit's group."""

    unit_id: str
    role: ThreadRole
    chat_id: int | None
    topic_id: int | None
    anchor_message_id: int | None
    delivered_at: datetime | None
    failed_at: datetime | None = None  # given up on (the admins were told) until the unit's group is bound again


@dataclass(frozen=True, slots=True)
class Hazard:
    """A filed hazard."""

    id: int
    code: str
    reporter_id: int
    enterprise_id: str
    township_id: str
    category_id: str
    department_id: str
    grade: Grade
    state: State
    description: str
    place: str
    latitude: float | None
    longitude: float | None
    reported_at: datetime
    deadline: datetime | None = None
    responsible_person: str | None = None
    rebounds: int = 0

    @property
    def unit_ids(self) -> set[str]:
        """The responsible units."""
        return {self.department_id, self.township_id}


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only audit log."""

    at: datetime
    actor_id: int
    action: str
    from_state: State | None
    to_state: State
    reason: str | None


def hazard_code(year: int, number: int) -> str:
    """The readable id, numbered per year: YH-2026-000123."""
    return f"YH-{year}-{number:06d}"


SHORTCUT_TAG = "#隐患"
_GRADE_TAGS = {"#一般": Grade.GENERAL, "#一般隐患": Grade.GENERAL, "#重大": Grade.MAJOR, "#重大隐患": Grade.MAJOR}
_PLACE_MARKERS = ("地点：", "地点:", "位置：", "位置:")


@dataclass(frozen=True, slots=True)
class ShortcutCaption:
    """What a `#隐患 …` caption already says: the description, maybe a category, place and grade."""

    description: str
    category_id: str | None
    place: str | None
    grade: Grade | None


def is_shortcut(caption: str | None) -> bool:
    """Whether a caption starts a one-message report."""
    return bool(caption) and caption.lstrip().startswith(SHORTCUT_TAG)  # type: ignore[union-attr]


def parse_shortcut(caption: str, category_ids_by_name: dict[str, str]) -> ShortcutCaption:
    """Split `#隐患 [#类别] [#重大] 描述 [地点：…]` into its parts; anything unrecognised stays description."""
    body = caption.lstrip()[len(SHORTCUT_TAG) :]
    place = None
    for marker in _PLACE_MARKERS:
        if marker in body:
            body, _, place_text = body.partition(marker)
            place = place_text.strip() or None
            break
    category_id, grade, words = None, None, []
    for word in body.split():
        if word in _GRADE_TAGS and grade is None:
            grade = _GRADE_TAGS[word]
        elif word.startswith("#") and word[1:] in category_ids_by_name and category_id is None:
            category_id = category_ids_by_name[word[1:]]
        else:
            words.append(word)
    return ShortcutCaption(" ".join(words), category_id, place, grade)


@dataclass(frozen=True, slots=True)
class CaptionIntake:
    """What a `#隐患` caption could not fill, and why (None: filled, or nothing was given to say why)."""

    description: TextProblem | None
    place: TextProblem | None
    description_length: int
    place_length: int


def fill_from_caption(draft: Draft, caption: str, category_ids_by_name: dict[str, str]) -> CaptionIntake:
    """Put into the draft what the caption really says; anything empty or meaningless stays unanswered, to be asked."""
    parsed = parse_shortcut(caption, category_ids_by_name)
    description = check_description(parsed.description)
    place = check_place(parsed.place or "")
    draft.description = "" if isinstance(description, TextProblem) else description
    draft.place = None if isinstance(place, TextProblem) else place
    draft.category_id, draft.grade = parsed.category_id, parsed.grade
    return CaptionIntake(
        description=description if isinstance(description, TextProblem) and parsed.description.strip() else None,
        place=place if isinstance(place, TextProblem) and (parsed.place or "").strip() else None,
        description_length=len(parsed.description), place_length=len(parsed.place or ""),
    )  # fmt: skip
