"""Names of reporters and editors: splitting values, reading bylines, dropping non-authors."""

from __future__ import annotations

import re

from .patterns import (
    AUTHOR_ROLES,
    BYLINE_BULLETS,
    BYLINE_LINE_RE,
    HAN_RUN_RE,
    JOB_TITLE_PREFIX_RE,
    LATIN_NAME_RE,
    LEAD_BYLINE_RE,
    MAX_HAN_NAME_CHARS,
    MEDIA_WORD_RE,
    MEDIUM_NAME_RE,
    NAME_SPLIT_RE,
    NAME_TRIM_RE,
    NOT_IN_NAME_RE,
    NOT_NAME_WORDS,
    NOT_SPACED_NAME_CHARS,
    NOT_TRAILING_NAMES,
    OPENING_BYLINE_RE,
    ORGANISATION_RE,
    PERSON_NAME_RE,
    PLAIN_LEAD_BYLINE_RES,
    ROLE_RE,
    SPACED_NAME_RE,
    TRAILING_AUTHOR_LABEL_RE,
    TRAILING_NAME_RE,
    UNKNOWN_PEOPLE,
    WORK_BYLINE_RE,
)

BRACKETS = "()（）[]【】<>《》「」 "
MAX_WORK_BYLINE_CHARS = 40
PHOTOGRAPHER_RE = re.compile(r"^\S+\s*摄$|摄$")


def clean_name(token: str) -> str | None:
    """One name from a token of a byline, or None when the token is a role word."""
    token = token.strip(BRACKETS + ":：,，。.")
    token = NAME_TRIM_RE.sub("", token).strip(BRACKETS)
    token = JOB_TITLE_PREFIX_RE.sub("", token)
    if not token or token in NOT_NAME_WORDS or token in UNKNOWN_PEOPLE:
        return None
    if LATIN_NAME_RE.fullmatch(token):
        return token
    if token.isdigit() or not PERSON_NAME_RE.match(token) or NOT_IN_NAME_RE.search(token):
        return None
    if ("·" not in token and not ORGANISATION_RE.search(token)
            and any(len(run) > MAX_HAN_NAME_CHARS for run in HAN_RUN_RE.findall(token))):
        return None  # words, not a name (an organisation such as 医技药剂党支部 may be long)
    return token


def join_spaced_names(value: str) -> str:
    """``周　凯 赵海涛`` gives ``周凯 赵海涛``: a padded two-character name made whole."""

    def join(found: re.Match[str]) -> str:
        first, second = found.group(1), found.group(2)
        if first in NOT_SPACED_NAME_CHARS or second in NOT_SPACED_NAME_CHARS:
            return found.group(0)
        return first + second

    return SPACED_NAME_RE.sub(join, value)


def split_names(value: str) -> list[str]:
    """Names in a labelled value (``汤诗瑶、丁涛``, ``严玉洁 王辉``), unknowns dropped."""
    names: list[str] = []
    tokens = NAME_SPLIT_RE.split(join_spaced_names(value).strip(BRACKETS))
    for position, token in enumerate(tokens):
        if token == "摄" or (position + 1 < len(tokens) and tokens[position + 1] == "摄"):
            continue  # a photographer credit
        if token == "发自" or position > 0 and tokens[position - 1] == "发自":
            continue  # 记者 蒋一帆 发自 浙江义乌: a place
        name = clean_name(token)
        if name and name not in names:
            names.append(name)
    return names


def is_medium(name: str, source: str | None = None) -> bool:
    """A medium's name where a person's should be (``作者：新京报``)."""
    return name == source or len(name) >= 3 and MEDIUM_NAME_RE.search(name) is not None


def without_media(names: list[str], source: str | None = None) -> list[str]:
    """Names that are people, not the media an author slot sometimes holds."""
    return [name for name in names if not is_medium(name, source)]


def without_units(names: list[str]) -> list[str]:
    """Names without the units before them (``农技站 孟庆华``), unless only units are named."""
    people = [name for name in names if not ORGANISATION_RE.search(name)]
    return people or names


def byline_authors(inner: str) -> list[str]:
    """Authors in a byline's text (``记者 张三 通讯员 李四`` gives 张三)."""
    parts = ROLE_RE.split(join_spaced_names(inner))
    authors: list[str] = []
    role = "记者"
    for part in parts:
        if not part:
            continue
        if ROLE_RE.fullmatch(part):
            role = part
            continue
        if any(role.endswith(r) for r in AUTHOR_ROLES) or role == "记者":
            for name in split_names(part):
                if name not in authors:
                    authors.append(name)
        role = "?"
    return authors


def lead_authors(paragraph: str) -> list[str]:
    """Reporters named in a lead such as ``中国报道讯(黄楚芳 报道)``."""
    head = paragraph[:80]
    found = LEAD_BYLINE_RE.match(head) or OPENING_BYLINE_RE.match(head)
    if not found:
        for pattern in PLAIN_LEAD_BYLINE_RES:
            plain = pattern.match(head)
            if plain:
                return byline_authors(plain.group("inner"))
        return []
    inner = found.group("inner")
    if "供" in inner or "/" in inner:
        return []
    if not ROLE_RE.search(inner) and "报道" not in inner and MEDIA_WORD_RE.search(inner):
        return []
    return byline_authors(inner)


def byline_line_authors(line: str) -> list[str]:
    """Authors on a byline line of its own (``澎湃新闻记者 贺梨萍``)."""
    line = line.strip(BYLINE_BULLETS)
    found = BYLINE_LINE_RE.match(line)
    if found:
        return byline_authors(found.group("byline"))
    work = WORK_BYLINE_RE.match(line) if len(line) <= MAX_WORK_BYLINE_CHARS else None
    return split_names(work.group("byline")) if work else []


def trailing_authors(paragraph: str) -> list[str]:
    """A reporter closing the last paragraph in brackets (``…举行。（张巨峰）``)."""
    labelled = TRAILING_AUTHOR_LABEL_RE.search(paragraph.strip())
    if labelled is not None:
        # （作者：韩立新 湘江大学经济学院教授）: the names, up to the writer's post.
        names: list[str] = []
        for token in NAME_SPLIT_RE.split(join_spaced_names(labelled.group("names"))):
            name = clean_name(token)
            if name is None or len(name) > 4 and not LATIN_NAME_RE.fullmatch(name):
                break
            names.append(name)
        if names:
            return names
    found = TRAILING_NAME_RE.search(paragraph.strip())
    if not found:
        return []
    inner = found.group("inner")
    if inner in NOT_TRAILING_NAMES:
        return []
    role = ROLE_RE.match(inner)
    if role is not None:  # （本报记者 王五）, but （编辑 贺子涵） is not the writer
        return byline_authors(inner) if role.group(1).endswith(AUTHOR_ROLES) else []
    return split_names(inner)
