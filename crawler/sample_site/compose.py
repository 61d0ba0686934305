"""Composes the sample site's articles: deterministic text, people, dates and variants.

``compose_articles(n, seed)`` returns ``ArticleSpec`` objects that the renderer turns
into pages and ``truth()`` turns into the record a perfect parser would return.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources

from crawler.sample_site import phrases

CST = timezone(timedelta(hours=8))
NEWEST = datetime(2024, 6, 28, 20, 15, 7, tzinfo=CST)
FIRST_ARTICLE_ID = 5000

# Variants the parser must handle, each given to one fixed article (index -> variant).
SPECIAL_VARIANTS = {
    1: "two_authors",
    2: "author_field",
    3: "no_editor",
    4: "no_seconds",
    5: "cn_date",
    6: "images",
    7: "multi_page",
    8: "date_only",
    9: "wire_lead",
    10: "fullwidth",
}

_VILLAGE_CHARS = "东西南北上下大小新石塘坑岭湾桥山水河溪坪田庄沙林竹梅桃荷龙凤"


@dataclass
class ArticleSpec:
    """One article as the generator knows it (the truth plus how to render it)."""

    index: int
    channel: str  # slug, see phrases.CHANNELS
    title: str
    published: datetime
    date_style: str  # full | no_seconds | cn | date_only
    source: str
    authors: list[str]
    author_in_field: bool  # 作者: in the date line instead of a lead byline
    editors: list[str]
    pages: list[list[str]]  # body paragraphs per page (lead byline included, credit excluded)
    headings: set[str] = field(default_factory=set)  # paragraphs rendered as bold subheads
    captions: list[str] = field(default_factory=list)  # one image per caption, on page 1
    credit: str = ""  # "(供稿/供图 ...)" appended to the last paragraph when rendered
    gbk: bool = False
    charset_in_header: bool = True
    fullwidth: bool = False  # full-width colons and parentheses in labels and byline
    variants: list[str] = field(default_factory=list)
    article_id: int = 0  # assigned in date order once all articles exist

    @property
    def path(self) -> str:
        """URL path of page 1, e.g. ``/xiangcun/2024/0226/5123.html``."""
        return self.page_path(1)

    def page_path(self, page_no: int) -> str:
        """URL path of page ``page_no`` (``..._2.html`` from the second page on)."""
        day = self.published.strftime("%Y/%m%d")
        suffix = "" if page_no == 1 else f"_{page_no}"
        return f"/{self.channel}/{day}/{self.article_id}{suffix}.html"

    def image_srcs(self) -> list[str]:
        """Paths of the article's images, in page order."""
        day = self.published.strftime("%Y%m")
        return [
            f"/uploads/allimg/{day}/{self.article_id}_{n}.png"
            for n in range(1, len(self.captions) + 1)
        ]

    def published_text(self) -> str:
        """The date as the page prints it after 发布时间."""
        p = self.published
        if self.date_style == "no_seconds":
            return p.strftime("%Y-%m-%d %H:%M")
        if self.date_style == "cn":
            return p.strftime("%Y年%m月%d日 %H:%M")
        if self.date_style == "date_only":
            return p.strftime("%Y-%m-%d")
        return p.strftime("%Y-%m-%d %H:%M:%S")

    def truth(self) -> dict[str, object]:
        """The record a perfect parser returns for this article (keys of SampleSite.truth)."""
        if self.date_style == "date_only":
            published = self.published.date().isoformat()
        elif self.date_style in ("no_seconds", "cn"):
            published = self.published.replace(second=0).isoformat()
        else:
            published = self.published.isoformat()
        return {
            "title": self.title,
            "published": published,
            "source": self.source,
            "authors": list(self.authors),
            "editors": list(self.editors),
            "channel": phrases.CHANNELS[self.channel],
            "body": "\n".join(p for page in self.pages for p in page),
            "images": [
                {"src": src, "caption": caption}
                for src, caption in zip(self.image_srcs(), self.captions)
            ],
            "page_count": len(self.pages),
        }


class _Slots(dict[str, str]):
    """Fills template slots lazily, so a sentence draws only the words it uses."""

    def __init__(self, rng: random.Random, place: str, topic: str, channel: str) -> None:
        super().__init__()
        self.rng = rng
        self.place = place
        self.topic = topic
        self.channel = channel

    def __missing__(self, key: str) -> str:
        value = self._draw(key)
        self[key] = value
        return value

    def _draw(self, key: str) -> str:
        rng = self.rng
        if key == "place":
            return self.place if rng.random() < 0.7 else rng.choice(phrases.PLACES)
        if key == "topic":
            return self.topic if rng.random() < 0.6 else rng.choice(phrases.TOPICS[self.channel])
        if key == "person":
            return person_name(rng)
        if key == "village":
            return village_name(rng)
        if key == "year":
            return str(rng.choice((2022, 2023, 2024)))
        if key == "month":
            return str(rng.randint(1, 12))
        if key == "day":
            return str(rng.randint(1, 28))
        if key == "num":
            return str(rng.randint(3, 980))
        if key == "num2":
            return str(rng.randint(1000, 98000))
        if key == "num3":
            return str(rng.randint(2, 60))
        if key == "pct":
            return f"{rng.randint(2, 98)}.{rng.randint(0, 9)}"
        bank = _BANKS[key]
        return rng.choice(bank)


_BANKS: dict[str, tuple[str, ...]] = {
    "org": phrases.ORGS,
    "role": phrases.ROLES,
    "measure": phrases.MEASURES,
    "verb": phrases.VERBS,
    "result": phrases.RESULTS,
    "product": phrases.PRODUCTS,
    "industry": phrases.INDUSTRIES,
    "indicator": phrases.INDICATORS,
    "meeting": phrases.MEETINGS,
    "unit": phrases.UNITS,
    "quote": phrases.QUOTES,
    "city": phrases.CITIES,
}


def person_name(rng: random.Random, *, gbk_only: bool = False) -> str:
    """A two- or three-character Chinese name; ``gbk_only`` puts in a non-GB2312 character."""
    given = [rng.choice(phrases.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2)))]
    if gbk_only:
        given[-1] = rng.choice(phrases.GBK_ONLY_CHARS)
    return rng.choice(phrases.SURNAMES) + "".join(given)


def village_name(rng: random.Random) -> str:
    """A village or community name such as 石塘村 or 大坑社区."""
    return "".join(rng.sample(_VILLAGE_CHARS, 2)) + rng.choice(("村", "村", "社区"))


def _fill(template: str, slots: _Slots) -> str:
    return template.format_map(slots)


def _paragraphs(
    rng: random.Random, place: str, topic: str, channel: str, target: int
) -> tuple[list[str], set[str]]:
    """Body paragraphs of about ``target`` characters, with a few subheads."""
    paragraphs: list[str] = []
    headings: set[str] = set()
    size = 0
    unused_heads = list(phrases.SUBHEADINGS)
    rng.shuffle(unused_heads)
    while size < target:
        if len(paragraphs) >= 3 and unused_heads and rng.random() < 0.15:
            head = unused_heads.pop()
            paragraphs.append(head)
            headings.add(head)
        sentences = [
            _fill(rng.choice(phrases.SENTENCE_TEMPLATES), _Slots(rng, place, topic, channel))
            for _ in range(rng.randint(2, 5))
        ]
        text = "".join(sentences)
        paragraphs.append(text)
        size += len(text)
    return paragraphs, headings


def _byline(rng: random.Random, source: str, authors: list[str], when: datetime) -> str:
    """The lead's byline prefix for ``source``, naming ``authors``."""
    names = " ".join(authors)
    if source in ("新华社", "人民网"):
        city = rng.choice(phrases.CITIES)
        return f"{source}{city}{when.month}月{when.day}日电(记者 {names})"
    prefix = f"{source}讯"
    if source == "中国报道" and rng.random() < 0.4:
        return f"{prefix}({names} 报道)"
    return f"{prefix}(记者 {names})"


def _compose_one(
    index: int, rng: random.Random, published: datetime, used_titles: set[str]
) -> ArticleSpec:
    variant = SPECIAL_VARIANTS.get(index)
    channel = phrases.CHANNEL_CYCLE[index % len(phrases.CHANNEL_CYCLE)]
    place = rng.choice(phrases.PLACES)
    topic = rng.choice(phrases.TOPICS[channel])
    gbk = index % 4 == 3
    for attempt in range(100):
        slots = _Slots(rng, place, topic, channel)
        slots["place"], slots["topic"] = place, topic
        title = _fill(rng.choice(phrases.TITLE_TEMPLATES), slots)
        if title not in used_titles:
            break
        place = rng.choice(phrases.PLACES)
        topic = rng.choice(phrases.TOPICS[channel])
    used_titles.add(title)

    source = "新华社" if variant == "wire_lead" else rng.choice(phrases.SOURCES)
    two = variant == "two_authors" or (variant is None and rng.random() < 0.3)
    authors = [person_name(rng, gbk_only=gbk and (index == 3 or rng.random() < 0.4))]
    if two:
        authors.append(person_name(rng))
    author_in_field = variant == "author_field" or (variant is None and rng.random() < 0.1)
    no_editor = variant == "no_editor" or (variant is None and rng.random() < 0.05)
    editors = [] if no_editor else [person_name(rng)]
    if variant in ("no_seconds", "date_only"):
        date_style = variant
    elif variant == "cn_date":
        date_style = "cn"
    elif variant is None:
        date_style = rng.choices(("full", "no_seconds", "cn"), (90, 5, 5))[0]
    else:
        date_style = "full"

    fullwidth = variant == "fullwidth" or (variant is None and rng.random() < 0.15)
    paragraphs, headings = _paragraphs(rng, place, topic, channel, rng.randint(1700, 2500))
    slots = _Slots(rng, place, topic, channel)
    lead = _fill(rng.choice(phrases.LEAD_TEMPLATES), slots)
    if not author_in_field:
        byline = _byline(rng, source, authors, published)
        if fullwidth:
            byline = byline.replace("(", "\uff08").replace(")", "\uff09")
        lead = byline + lead
    paragraphs.insert(0, lead)
    multi = variant == "multi_page" or (variant is None and rng.random() < 0.03)
    pages = (
        [paragraphs[: len(paragraphs) // 2], paragraphs[len(paragraphs) // 2 :]]
        if multi
        else [paragraphs]
    )
    captions: list[str] = []
    if variant == "images" or (variant is None and rng.random() < 0.2):
        for _ in range(2 if variant == "images" else rng.randint(1, 2)):
            captions.append(
                f"图为{village_name(rng)}{rng.choice(phrases.PRODUCTS)}种植基地。"
                f"{person_name(rng)} 摄"
            )
    credit = ""
    if rng.random() < 0.5:
        credit = _fill(rng.choice(phrases.CREDIT_TEMPLATES), _Slots(rng, place, topic, channel))
    return ArticleSpec(
        index=index,
        channel=channel,
        title=title,
        published=published,
        date_style=date_style,
        source=source,
        authors=authors,
        author_in_field=author_in_field,
        editors=editors,
        pages=pages,
        headings=headings,
        captions=captions,
        credit=credit,
        gbk=gbk,
        charset_in_header=not gbk or rng.random() < 0.5,
        fullwidth=fullwidth,
    )


def _tag_variants(spec: ArticleSpec) -> None:
    """Name every parser-relevant feature of ``spec`` in ``spec.variants``."""
    features = {
        "gbk": spec.gbk,
        "gbk_only_chars": spec.gbk
        and any(c in phrases.GBK_ONLY_CHARS for c in "".join(spec.authors)),
        "two_authors": len(spec.authors) == 2,
        "author_field": spec.author_in_field,
        "wire_lead": spec.source in ("新华社", "人民网") and not spec.author_in_field,
        "no_editor": not spec.editors,
        "no_seconds": spec.date_style == "no_seconds",
        "cn_date": spec.date_style == "cn",
        "date_only": spec.date_style == "date_only",
        "images": bool(spec.captions),
        "multi_page": len(spec.pages) > 1,
        "fullwidth": spec.fullwidth,
        "credit": bool(spec.credit),
        "no_charset_header": spec.gbk and not spec.charset_in_header,
    }
    spec.variants += [name for name, present in features.items() if present]


def seed_article() -> ArticleSpec:
    """The article rebuilt from the real seed page (``seed_article.txt``)."""
    text = resources.files("crawler.sample_site").joinpath("seed_article.txt").read_text("utf-8")
    header, _, body = text.partition("\n---\n")
    meta = dict(
        line.split(": ", 1) for line in header.splitlines() if line and not line.startswith("#")
    )
    paragraphs = [line for line in body.splitlines() if line]
    headings = {p for p in paragraphs if len(p) <= 20 and "。" not in p}
    return ArticleSpec(
        index=0,
        channel=meta["channel"],
        title=meta["title"],
        published=datetime.strptime(meta["published"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST),
        date_style="full",
        source=meta["source"],
        authors=meta["authors"].split(),
        author_in_field=False,
        editors=meta["editors"].split(),
        pages=[paragraphs],
        headings=headings,
        credit=meta["credit"],
        variants=["seed"],
    )


def compose_articles(n: int, seed: int = 0) -> list[ArticleSpec]:
    """``n`` articles (the seed article first), ids assigned in date order, newest last."""
    rng = random.Random(f"chinareport-sample-{seed}")
    seed_spec = seed_article()
    used_titles = {seed_spec.title}
    specs = [seed_spec]
    when = NEWEST
    taken = {seed_spec.published}
    for index in range(1, n):
        when -= timedelta(seconds=rng.randint(2 * 3600, 18 * 3600))
        if when in taken:  # never two articles at the same second
            when -= timedelta(seconds=1)
        taken.add(when)
        specs.append(_compose_one(index, rng, when, used_titles))
    for spec in specs:
        _tag_variants(spec)
    for article_id, spec in enumerate(sorted(specs, key=lambda s: s.published), FIRST_ARTICLE_ID):
        spec.article_id = article_id
    return specs
