"""Cleaning steps for web pages: markup, portal furniture and spam (``str -> str``)."""
from __future__ import annotations

import html
import re

from aidiscourse.corpus.normalize import CJK

TAG = re.compile(r"<[^<>\n]{0,500}>")


def strip_html(text: str) -> str:
    """Remove HTML tags and decode entities (``&amp;`` -> ``&``).

    Examples
    --------
    >>> strip_html('<cite id="a"></cite>AI&amp;制度<li></li>')
    'AI&制度'
    """
    return html.unescape(TAG.sub("", text))


#: Words of the pornographic keyword spam some portals inject at the top of a page.
SPAM_WORDS = ("色婷婷", "激情", "无码", "成人", "久久", "av", "a片", "精品", "国产", "亚洲", "视频")


def _is_spam(line: str) -> bool:
    lowered = line.lower()
    if not any(w in lowered for w in SPAM_WORDS):
        return False  # most lines: no item can hit
    items = [i for i in re.split(r"[,，、\s]+", lowered.strip()) if i]
    hits = sum(any(w in item for w in SPAM_WORDS) for item in items)
    return len(items) >= 3 and hits >= 2


def drop_spam_lines(text: str) -> str:
    """Drop lines of comma-separated spam keywords (three or more items, two spam words).

    Examples
    --------
    >>> drop_spam_lines("色婷婷久,激情色播,久久久无码专区\\n正文")
    '正文'
    """
    return "\n".join(line for line in text.split("\n") if not _is_spam(line))


#: Whole lines that are portal navigation or share widgets.
PORTAL_LINES = (
    r"网易首页\s*>.*",
    r"分享至",
    r"申请入驻",
    r"\d{1,6}",  # share and comment counters
    r"无障碍浏览.*",
    r"进入关怀版",
)
_PORTAL = re.compile("^(?:" + "|".join(PORTAL_LINES) + r")$")


def drop_portal_navigation(text: str) -> str:
    """Drop lines of portal navigation (breadcrumbs, share buttons, counters)."""
    return "\n".join(line for line in text.split("\n") if not _PORTAL.match(line.strip()))


#: Image captions: a line naming a picture source, or a short line naming a scene.
CAPTION_PATTERNS = (r"图源[：:]", r"^.{0,30}(?:现场|合影|图为)$")
_CAPTION = re.compile("|".join(CAPTION_PATTERNS))


def drop_image_captions(text: str) -> str:
    """Drop image captions (``…。图源：路透社``, ``研讨会现场``)."""
    return "\n".join(line for line in text.split("\n") if not _CAPTION.search(line.strip()))


_RELATED_HEAD = re.compile(r"^.{0,20}(?:热门文章|相关阅读|延伸阅读|往期回顾|推荐阅读)$")
_ABOUT_HEAD = re.compile(rf"^关于[A-Za-z{CJK}]{{1,12}}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$")


def _drop_heading_with_next(text: str, head: re.Pattern) -> str:
    lines = text.split("\n")
    out, skip_next = [], False
    for line in lines:
        stripped = line.strip()
        if skip_next and stripped:
            skip_next = False
            continue
        if head.match(stripped):
            skip_next = True
            continue
        out.append(line)
    return "\n".join(out)


def drop_related_headlines(text: str) -> str:
    """Drop related-article widgets (a ``…热门文章`` heading and its headline line) and
    lines that are only a date and time."""
    text = _drop_heading_with_next(text, _RELATED_HEAD)
    return "\n".join(line for line in text.split("\n") if not _DATETIME.match(line.strip()))


def drop_about_widgets(text: str) -> str:
    """Drop an ``关于IPP`` heading and the self-description paragraph after it."""
    return _drop_heading_with_next(text, _ABOUT_HEAD)


#: The first line of a portal's footer; it and everything after it are dropped.
FOOTER_START = re.compile(r"^(?:特别声明[：:]|Notice:|相关推荐$|热点推荐$)")


def drop_footer(text: str) -> str:
    """Cut the page at the portal's footer (legal notice, recommendations, follow widgets)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if FOOTER_START.match(line.strip()):
            return "\n".join(lines[:i])
    return text


#: Signs of text decoded with the wrong encoding: private-use characters, replacement
#: characters, a euro sign, or a question mark where a character was lost.
