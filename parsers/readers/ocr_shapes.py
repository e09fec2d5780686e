"""The page's own digits as a check on OCR (parsers.readers.ocr): each digit's shape against the
mean shapes of the digits its page (or document) agreed on, to doubt a reading, bear it out,
or read a number no readings agreed on once more."""
from __future__ import annotations

import re

from .ocr_ink import _main_marks
from .ocr_page import _cv2, _np


SHAPE_LIKE = 0.6  # a one-digit shape this like another digit of the page puts its reading in doubt,
SHAPE_MARGIN = 0.08  # when it is this much nearer to it than to the page's digit it was read as
SHAPE_APART = 0.2  # and whatever it is like, when it is this much nearer another digit than its own
SHAPE_UNLIKE = 0.3  # a digit of a longer number less like the page's own of its digit than this
GLYPH = (24, 16)  # a digit's shape, as the page's own digits are compared: rows, columns
_SHAPE_MISREADING_RE = re.compile(r"read (\d): its shape is (?:far )?(?:nearer|like) the "
                                  r"(?:page|document)'s own (\d)")


def _glyph(bw, box, aspect: float | None):
    """The shape of a cell's one digit, for comparing with the page's own digits: its ink in a
    box one digit wide at the page's `aspect` (a 1 keeps its narrowness), scaled to GLYPH, as a
    vector of mean 0 and length 1. None when the ink is wider than one digit, or too small."""
    np, cv2 = _np(), _cv2()
    if not box or not aspect:
        return None
    x0, y0, x1, y1 = box
    ink = (bw[y0:y1, x0:x1] < 128).astype(np.float32)
    h, w = ink.shape
    if h < 8 or w > 1.6 * aspect * h:
        return None
    width = max(w, round(aspect * h))
    left = (width - w) // 2
    ink = cv2.copyMakeBorder(ink, 0, 0, left, width - w - left, cv2.BORDER_CONSTANT, value=0)
    v = cv2.resize(ink, (GLYPH[1], GLYPH[0]), interpolation=cv2.INTER_AREA).ravel()
    v = v - v.mean()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else None


def _digit_boxes(bw, box, k: int) -> list[tuple[int, int, int, int]] | None:
    """The ink boxes of a number's `k` digits, left to right, when its marks (of at least a
    fifth of the largest one's ink) are exactly `k` side by side; else None (touching digits,
    a broken stroke, a speck)."""
    found = _main_marks(bw, box)
    if found is None:
        return None
    _, stats, keep = found
    cv2, (x0, y0) = _cv2(), box[:2]
    marks = sorted((stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP],
                    stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH],
                    stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in keep)
    if len(marks) != k or any(b[0] < a[2] for a, b in zip(marks, marks[1:])):
        return None
    return [(x0 + a, y0 + b, x0 + c, y0 + d) for a, b, c, d in marks]


def _digit_sums(glyphs: dict, read: dict) -> tuple[dict, dict]:
    """The sum of the shapes (`glyphs`: key -> _glyph) of each digit read (`read`: key ->
    digit), and how many: (digit -> summed shape, digit -> count)."""
    sums: dict[str, object] = {}
    counts: dict[str, int] = {}
    for key, d in read.items():
        if key in glyphs:
            sums[d] = sums.get(d, 0) + glyphs[key]
            counts[d] = counts.get(d, 0) + 1
    return sums, counts


def _shape_votes(glyphs: dict, read: dict) -> dict:
    """How like each digit of the page a cell's one-digit shape is: for every cell in `glyphs`,
    {digit: cosine with the mean shape of the page's other cells whose readings agreed on that
    digit (`read`: cell -> digit)}, digits read in fewer than two other cells left out."""
    np = _np()
    sums, counts = _digit_sums(glyphs, read)
    out = {}
    for key, g in glyphs.items():
        votes = {}
        for d, total in sums.items():
            own = read.get(key) == d
            n = counts[d] - own
            if n < 2:
                continue
            mean = total - g if own else total
            votes[d] = float(np.dot(g, mean) / max(1e-9, np.linalg.norm(mean)))
        out[key] = votes
    return out


def _shape_doubts(glyphs: dict, agreed: dict, judge=None, whose: str = "page",
                  all_votes: dict | None = None) -> dict:
    """Why each number its readings agreed on (`agreed`: a one-digit cell (table, bbox) -> its
    digit, and (table, bbox, i) -> the i-th digit of a longer number) is in doubt by the shape
    of a digit (`glyphs`: key -> _glyph), keyed by its cell (table, bbox). A digit is doubtful
    when its shape is clearly like another digit of the page's (SHAPE_LIKE) and nearer to it
    than to its own by SHAPE_MARGIN; or, like nothing clearly, nearer another digit than its
    own by SHAPE_APART (a 6 smudged under a seal's removal, read 8 by two readings: 0.57 like
    the page's 6, 0.24 like its 8). A one-digit cell is doubtful too when it is clearly like
    another digit and the page has no other of its own to compare; a digit of a longer number
    is judged only against its own (the page's 9s are few, and a 9 beside a 5 is read right),
    and is doubtful too when it is unlike its own (under SHAPE_UNLIKE: a one-digit 0 under a
    seal is often that unlike the page's 0s, so single cells are not judged so; right digits of
    longer numbers on degraded scans were seen as low as 0.31 — 96171.6, 66, 88283 —, three in
    663 under 0.3 on 18 scans, their values not known). A speck joined
    to the stem of 2776's 7 made it a 4 to every reading (0.67 like the page's 7s, 0.04 like
    its 4s); a 7 of 7730.28 smudged into a 9 was 0.24 like the page's 9s, which were 0.73 like
    one another, and the page had no other 7. With `judge`, only those digits are judged (the
    others are the page's, or with `whose` "document" the document's, digits to compare).
    `all_votes`: _shape_votes(glyphs, agreed) where the caller has it already."""
    out: dict = {}
    for key, votes in (all_votes if all_votes is not None else _shape_votes(glyphs, agreed)).items():
        if key not in agreed or not votes or (judge is not None and key not in judge):
            continue
        cell, digit_of = key[:2], (f"its digit {key[2] + 1} " if len(key) == 3 else "")
        text = agreed[key]
        best = max(votes, key=votes.get)
        own = votes.get(text)
        if cell in out:
            continue  # one doubt for a number, its first digit's
        if own is not None and votes[best] >= own + SHAPE_APART:
            out[cell] = (f"{digit_of}read {text}: its shape is far nearer the {whose}'s own {best} "
                         f"({votes[best]:.2f}) than its {text} ({own:.2f})")
        elif digit_of and own is not None and own < SHAPE_UNLIKE:
            out[cell] = f"{digit_of}read {text}: its shape is unlike the {whose}'s own {text}s ({own:.2f})"
        elif digit_of and whose == "document" and own is not None and own < SHAPE_LIKE:
            # a digit its page prints too few others of is what a misreading makes (a 0 a speck
            # turned 9, its page's only 9): judged by the document, it must be clearly its own
            out[cell] = (f"{digit_of}read {text}: its page prints too few other {text}s to judge "
                         f"it, and its shape is not clearly like the document's ({own:.2f})")
        elif best == text or votes[best] < SHAPE_LIKE:
            continue
        elif own is not None and votes[best] >= own + SHAPE_MARGIN:
            out[cell] = (f"{digit_of}read {text}: its shape is nearer the {whose}'s own {best} "
                         f"({votes[best]:.2f}) than its {text} ({own:.2f})")
        elif own is None and not digit_of:
            out[cell] = (f"read {text}: its shape is like the {whose}'s own {best} "
                         f"({votes[best]:.2f}), and the {whose} has no other {text} to compare")
    return out


def shape_misreading(why: str | None) -> tuple[str, str] | None:
    """The misreading a shape doubt (_shape_doubts) names: (the digit read, the digit its shape
    is like), or None for any other doubt. Two numbers doubted for the same misreading may be
    wrong together (one 9 read 4 twice), so neither bears the other out (parsers.parse)."""
    found = _SHAPE_MISREADING_RE.search(why or "")
    return (found.group(1), found.group(2)) if found else None


def _digit_means(glyphs: dict, agreed: dict) -> dict:
    """The page's mean shape of each digit its readings agreed on in at least two places
    (`glyphs`: key -> _glyph, `agreed`: key -> digit), as unit vectors: digit -> shape."""
    np = _np()
    sums, counts = _digit_sums(glyphs, agreed)
    return {d: total / max(1e-9, float(np.linalg.norm(total)))
            for d, total in sums.items() if counts[d] >= 2}


def _read_by_shape(bw, box, aspect: float | None, means: dict, min_height: int) -> str | None:
    """A number its readings never agreed on, read by the shape of its digits against the
    page's own (`means`, _digit_means): its marks side by side (one to four; marks over one
    another are one digit, a 0 whose thin sides broke; a mark under half the tallest's height
    none, a speck beside it), each digit the page's digit it is clearly like (SHAPE_LIKE) and
    nearer to than to any other by SHAPE_MARGIN. None where a digit is like none clearly or is
    under `min_height` high. A 0 that a speck made nothing to every reading was 0.82 like its
    page's 0s (0.48 like its 6s). The page knows only its own digits (a 3 on a page without 3s
    is 0.65 like its 5s): the result is one reading more, never a value by itself; the parse
    keeps it only where the rules over the cell require exactly it."""
    if not means or not box or not aspect:
        return None
    found = _main_marks(bw, box)
    if found is None:
        return None
    cv2, (_, stats, keep) = _cv2(), found
    # the marks as digits: marks over one another (a 0 broken at its sides) are one digit, and
    # marks under half the tallest one's height (a speck beside the number) none
    marks = sorted((int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_TOP]),
                    int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]),
                    int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT])) for i in keep)
    groups: list[list[int]] = []
    for x0, y0, x1, y1 in marks:
        if groups and x0 < groups[-1][2]:
            g = groups[-1]
            g[:] = [min(g[0], x0), min(g[1], y0), max(g[2], x1), max(g[3], y1)]
        else:
            groups.append([x0, y0, x1, y1])
    tallest = max(g[3] - g[1] for g in groups)
    groups = [g for g in groups if g[3] - g[1] >= 0.5 * tallest]
    parts = [(box[0] + a, box[1] + b, box[0] + c, box[1] + d) for a, b, c, d in groups] \
        if len(groups) <= 4 else None
    if not parts:
        return None
    np = _np()
    digits = []
    for part in parts:
        if part[3] - part[1] < min_height:
            return None  # not a whole digit high: a speck, or a digit lost in part
        g = _glyph(bw, part, aspect)
        if g is None:
            return None
        like = sorted(((float(np.dot(g, m)), d) for d, m in means.items()), reverse=True)
        if like[0][0] < SHAPE_LIKE or (len(like) > 1 and like[0][0] < like[1][0] + SHAPE_MARGIN):
            return None
        digits.append(like[0][1])
    return "".join(digits)


def _shape_borne_out(glyphs: dict, agreed: dict, all_votes: dict | None = None) -> set:
    """The cells (table, bbox) whose every digit the page's own digits bear out: each digit's
    shape most like the page's own of its reading, and clearly (SHAPE_LIKE). A number whose
    digits touch (not judged one by one) is not borne out. `all_votes`: as for _shape_doubts."""
    digits: dict[tuple, list[bool]] = {}
    for key, votes in (all_votes if all_votes is not None else _shape_votes(glyphs, agreed)).items():
        if key not in agreed:
            continue
        own = votes.get(agreed[key])
        digits.setdefault(key[:2], []).append(
            own is not None and own >= SHAPE_LIKE and own >= max(votes.values()))
    return {cell for cell, ok in digits.items() if all(ok)}
