"""The page's own digits as a check on OCR (parsers.readers.ocr): a one-digit cell its readings
agreed on is put in doubt when its shape is clearly another digit of the same page's, never
given a value by its shape. Digits drawn here with OpenCV's own font, as a page's cells."""
from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from parsers.readers import ocr, ocr_ink, ocr_shapes  # noqa: E402


def cell(text: str, shift: int = 0, gap: int = 6):
    """A binarised cell (ink 0 on 255) with `text` drawn, its digits `gap` px apart."""
    img = np.full((60, 40 + 34 * len(text)), 255, np.uint8)
    x = 20 + shift
    for ch in text:
        cv2.putText(img, ch, (x, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 0, 3)
        x += 28 + gap
    # narrowed to a printed digit's proportions (OpenCV's digits are wider than a report's)
    img = cv2.resize(img, (round(img.shape[1] * 0.7), img.shape[0]), interpolation=cv2.INTER_AREA)
    return np.where(img < 128, 0, 255).astype(np.uint8)


def box(bw):
    return ocr_ink._ink_box(bw, 3)


def glyph(bw):
    return ocr_shapes._glyph(bw, box(bw), ocr_ink.DIGIT_ASPECT)


def test_a_numbers_digits_are_its_marks_side_by_side():
    bw = cell("505")
    boxes = ocr_shapes._digit_boxes(bw, box(bw), 3)
    assert boxes is not None and len(boxes) == 3
    assert all(a[2] <= b[0] for a, b in zip(boxes, boxes[1:]))
    assert ocr_shapes._digit_boxes(bw, box(bw), 2) is None  # three marks are not two digits
    touching = cell("55", gap=-14)
    assert ocr_shapes._digit_boxes(touching, box(touching), 2) is None


def page(extra: dict):
    """A page's agreed digits: five 0s, a 55 split into its digits, two 1s, and `extra`."""
    glyphs, agreed = {}, {}
    for i in range(5):
        glyphs[(0, ("z", i))], agreed[(0, ("z", i))] = glyph(cell("0", shift=i)), "0"
    for i in range(2):
        glyphs[(0, ("o", i))], agreed[(0, ("o", i))] = glyph(cell("1", shift=i)), "1"
    fifty = cell("55")
    for i, b in enumerate(ocr_shapes._digit_boxes(fifty, box(fifty), 2)):
        glyphs[(0, "55", i)], agreed[(0, "55", i)] = ocr_shapes._glyph(fifty, b, ocr_ink.DIGIT_ASPECT), "5"
    for key, (drawn, read) in extra.items():
        glyphs[key], agreed[key] = glyph(cell(drawn)), read
    return glyphs, agreed


def test_a_digit_shaped_like_another_of_the_page_is_doubtful():
    glyphs, agreed = page({(0, "a"): ("5", "4"),    # a 5 every reading took for a 4
                           (0, "b"): ("0", "6"),    # a 0 read 6: the page's 0s say otherwise
                           (0, "c"): ("4", "4"),    # a real 4, the page's only one
                           (0, "d"): ("0", "0")})
    doubts = ocr_shapes._shape_doubts(glyphs, agreed)
    assert "page's own 5" in doubts[(0, "a")] and "no other 4" in doubts[(0, "a")]
    assert "nearer the page's own 0" in doubts[(0, "b")] or "like the page's own 0" in doubts[(0, "b")]
    assert (0, "c") not in doubts and (0, "d") not in doubts
    # the page's 0s and 1s stand: none of them is in doubt, nor the 55 (its 5s have no other
    # of their own on the page to be judged against)
    assert set(doubts) == {(0, "a"), (0, "b")}
    # the misreading each names, as parsers.parse compares them (one repeated is no check)
    assert ocr_shapes.shape_misreading(doubts[(0, "a")]) == ("4", "5")
    assert ocr_shapes.shape_misreading(doubts[(0, "b")]) == ("6", "0")


def test_a_number_is_borne_out_only_when_the_page_bears_out_every_digit():
    """What lets a number whose strokes a seal's removal may have taken keep its reading: the
    page's own digits bear out each of its digits (a 0 among the page's 0s), never a digit read
    as another (a 5 read 4), a digit the page has no others of (a lone 4), or a number whose
    digits were not judged one by one."""
    glyphs, agreed = page({(0, "a"): ("5", "4"), (0, "c"): ("4", "4"), (0, "d"): ("0", "0")})
    for number in ("10", "17"):
        drawn = cell(number)
        for i, b in enumerate(ocr_shapes._digit_boxes(drawn, box(drawn), 2)):
            glyphs[(0, number, i)] = ocr_shapes._glyph(drawn, b, ocr_ink.DIGIT_ASPECT)
            agreed[(0, number, i)] = number[i]
    borne = ocr_shapes._shape_borne_out(glyphs, agreed)
    assert (0, "d") in borne and (0, "10") in borne and (0, ("z", 0)) in borne
    assert (0, "a") not in borne and (0, "c") not in borne
    assert (0, "17") not in borne      # its 1 borne out, its 7 the page's only one
    assert (0, "55") not in borne      # its 5s have no other of their own on the page


def test_a_digit_far_nearer_another_digit_than_its_own_is_doubtful():
    """A 6 smudged under a seal's removal, read 8 by two readings, is like nothing clearly (0.57
    like the page's 6) but far nearer the 6 than its own 8 (0.24): doubtful. Shapes as unit
    vectors here, so the likenesses are exact."""
    rng = np.random.default_rng(0)
    e1, e2, e3 = np.linalg.qr(rng.normal(size=(ocr_shapes.GLYPH[0] * ocr_shapes.GLYPH[1], 3)))[0].T

    def shape(a: float, b: float):
        return a * e1 + b * e2 + (1 - a * a - b * b) ** 0.5 * e3

    page = {(0, "6a"): e1, (0, "6b"): e1, (0, "8a"): e2, (0, "8b"): e2}
    read = {(0, "6a"): "6", (0, "6b"): "6", (0, "8a"): "8", (0, "8b"): "8"}
    doubts = {}
    for name, (a, b) in {"smudged": (0.57, 0.24),  # far nearer 6
                         "near": (0.45, 0.3),      # nearer 6, but not by 0.2
                         "own": (0.4, 0.5)}.items():  # nearest its own 8
        found = ocr_shapes._shape_doubts({**page, (0, name): shape(a, b)}, {**read, (0, name): "8"})
        doubts.update(found)
    assert set(doubts) == {(0, "smudged")}, doubts
    assert "far nearer the page's own 6 (0.57)" in doubts[(0, "smudged")]
    assert ocr_shapes.shape_misreading(doubts[(0, "smudged")]) == ("8", "6")


def test_the_digits_of_longer_numbers_are_judged_against_their_own():
    """A digit of a longer number (key (table, cell, i)) puts its whole cell in doubt when its
    shape is clearly another digit of the page's and far from its own (a speck joined to the
    stem of 2776's 7, read 2746: 0.67 like the page's 7s, 0.04 like its 4s), or unlike its own
    (a 7 of 7730.28 smudged into a 9, 0.24 like the page's 9s). Where the page has no other of
    its own digit to compare, a longer number's digit stands (a 9 of 95 like the page's 0s),
    and so does a digit fairly like its own. Shapes as unit vectors: the likenesses are exact."""
    rng = np.random.default_rng(1)
    e7, e4, e9, e0, rest = np.linalg.qr(rng.normal(size=(ocr_shapes.GLYPH[0] * ocr_shapes.GLYPH[1], 5)))[0].T

    def shape(**like):
        v = sum(a * {"7": e7, "4": e4, "9": e9, "0": e0}[d] for d, a in like.items())
        return v + (1 - sum(a * a for a in like.values())) ** 0.5 * rest

    glyphs, agreed = {}, {}
    for i, (d, e) in enumerate([("7", e7), ("7", e7), ("4", e4), ("4", e4), ("9", e9),
                                ("9", e9), ("0", e0), ("0", e0)]):
        glyphs[(0, f"page{i}")], agreed[(0, f"page{i}")] = e, d
    cases = {"2746": ("4", shape(**{"7": 0.67, "4": 0.04})),   # a 7 read 4
             "7930": ("9", shape(**{"9": 0.24})),               # a 7 read 9: unlike the 9s
             "fair": ("9", shape(**{"9": 0.5, "0": 0.3})),      # a 9 fairly like the page's 9s
             "95": ("5", shape(**{"0": 0.7}))}                  # the page has no other 5
    doubts = {}
    for name, (read, g) in cases.items():  # each on the page alone
        doubts.update(ocr_shapes._shape_doubts({**glyphs, (0, name, 1): g}, {**agreed, (0, name, 1): read}))
    assert set(doubts) == {(0, "2746"), (0, "7930")}, doubts
    assert doubts[(0, "2746")].startswith("its digit 2 read 4: its shape is far nearer the page's own 7")
    assert "unlike the page's own 9s (0.24)" in doubts[(0, "7930")]
    assert ocr_shapes.shape_misreading(doubts[(0, "2746")]) == ("4", "7")
    assert ocr_shapes.shape_misreading(doubts[(0, "7930")]) is None  # names no other digit
    assert ocr_shapes.shape_misreading("seal ink was taken out beside its strokes (40 px)") is None


def test_a_digit_the_page_cannot_judge_must_be_clearly_the_documents_own():
    """A digit of a longer number that its page prints too few others of (a 0 a speck turned 9,
    its page's only 9: 193 read for 103) is judged by the document's digits: less than clearly
    like the document's own (0.6) puts the number in doubt there, though a page judging its own
    digits asks only that it is not unlike them (0.3)."""
    basis = np.eye(ocr_shapes.GLYPH[0] * ocr_shapes.GLYPH[1], dtype=np.float32)
    nine, zero, other = basis[0], basis[1], basis[2]
    glyphs = {(0, "a"): nine, (0, "b"): nine, (0, "c"): zero, (0, "d"): zero,
              (0, "n", 1): (0.45 * nine + 0.3 * zero + np.sqrt(1 - 0.45 ** 2 - 0.3 ** 2) * other)}
    agreed = {(0, "a"): "9", (0, "b"): "9", (0, "c"): "0", (0, "d"): "0", (0, "n", 1): "9"}
    judged = ocr_shapes._shape_doubts(glyphs, agreed, judge={(0, "n", 1)}, whose="document")
    assert "not clearly like the document's (0.45)" in judged[(0, "n")]
    assert ocr_shapes.shape_misreading(judged[(0, "n")]) is None  # names no other digit
    assert ocr_shapes._shape_doubts(glyphs, agreed, judge={(0, "n", 1)}) == {}  # the page's own test
    clearly = dict(glyphs)
    clearly[(0, "n", 1)] = 0.7 * nine + np.sqrt(1 - 0.49) * other
    assert ocr_shapes._shape_doubts(clearly, agreed, judge={(0, "n", 1)}, whose="document") == {}


def test_a_shape_alone_never_reads_a_cell():
    """Cells no readings agreed on are not in `agreed`: the shapes judge nothing for them."""
    glyphs, agreed = page({})
    glyphs[(0, "u")] = glyph(cell("5"))
    assert ocr_shapes._shape_doubts(glyphs, agreed) == {}


def test_a_number_no_readings_agreed_on_is_read_again_by_its_shape():
    """A cell no readings agreed on (a 0 a speck or a break made nothing to every reading) is
    read once more against the page's own digits: each of its marks side by side the digit it
    is clearly like. Marks over one another are one digit, a speck beside the number none; a
    digit like none of the page's clearly, or not a digit high, reads nothing. The result is a
    reading for the rules to choose from (parsers.parse), never a value by itself."""
    glyphs, agreed = page({})
    means = ocr_shapes._digit_means(glyphs, agreed)
    assert set(means) == {"0", "1", "5"}  # digits agreed on in at least two places

    def read(bw, min_height=20):
        return ocr_shapes._read_by_shape(bw, box(bw), ocr_ink.DIGIT_ASPECT, means, min_height)

    zero = cell("0")
    assert read(zero) == "0"
    top, bottom = box(zero)[1], box(zero)[3]
    broken = zero.copy()
    broken[(top + bottom) // 2 - 1:(top + bottom) // 2 + 2, :] = 255  # its sides broke
    assert len(ocr_ink._main_marks(broken, box(broken))[2]) == 2 and read(broken) == "0"
    specked = zero.copy()
    specked[40:46, 45:51] = 0  # a toner speck beside it, lower than half a digit
    assert read(specked) == "0"
    assert read(cell("10")) == "10" and read(cell("150")) == "150"
    assert read(cell("7")) is None and read(cell("4")) is None  # like none of the page's digits
    assert read(zero, min_height=40) is None  # not a digit high
    assert ocr_shapes._read_by_shape(zero, box(zero), ocr_ink.DIGIT_ASPECT, {}, 20) is None  # nothing to compare
    # the page knows only its own digits: a 3 on a page without 3s is its 5s' shape. Read so,
    # it is one reading among the cell's, which the rules keep only where they require it
    assert read(cell("3")) == "5"
    assert ocr._candidates([("d", "8"), ("shape", "0")]) == ("8", "0")


def test_marks_below_a_number_in_its_column_are_a_number_not_read():
    """Below a number read in a column, a cell of that column read as marks (/让、) is a number
    OCR could not read; words (a block's head), dashes, slashes and blanks stay as read, and so
    does a mark above any number (a header) or in a column without numbers."""
    head, a, b = (0, 0, 100, 20), (100, 0, 150, 20), (150, 0, 200, 20)
    rows = [[head, a, b],
            [(0, 20, 100, 40), (100, 20, 150, 40), (150, 20, 200, 40)],
            [(0, 40, 100, 60), (100, 40, 150, 60), (150, 40, 200, 60)],
            [(0, 60, 100, 80), (100, 60, 150, 80), (150, 60, 200, 80)]]
    texts = {(0, head): "信息内容", (0, a): "/让、", (0, b): "本年制发件数",
             (0, rows[1][0]): "规章", (0, rows[1][1]): "12", (0, rows[1][2]): "—",
             (0, rows[2][0]): "行政规范性文件", (0, rows[2][1]): "/让、", (0, rows[2][2]): "，",
             (0, rows[3][0]): "信息内容", (0, rows[3][1]): "本年处理决定数量", (0, rows[3][2]): "/"}
    assert ocr._marks_below_numbers([rows], texts, set()) == [(0, rows[2][1])]
    assert ocr._marks_below_numbers([rows], texts, {(0, rows[2][1])}) == []


def test_a_cell_after_a_number_in_its_row_is_a_value_unless_the_number_spans_rows():
    """Right of a number read in its row, a cell read as something else is a number not read
    (四下: a digit under a seal's remnant). A cell spanning several rows is a block's label
    whatever it was read as (（四）无法提供 under a seal read 4): the item labels right of it
    stay labels, and a number read after them still makes the rest of its row values."""
    block = (0, 0, 100, 40)  # spans the two rows
    r1 = [block, (100, 0, 300, 20), (300, 0, 350, 20), (350, 0, 400, 20)]
    r2 = [block, (100, 20, 300, 40), (300, 20, 350, 40), (350, 20, 400, 40)]
    texts = {(0, block): "4", (0, r1[1]): "2. 没有现成信息需要另行制作", (0, r1[2]): "1",
             (0, r1[3]): "四下", (0, r2[1]): "3. 补正后申请内容仍不明确", (0, r2[2]): "0",
             (0, r2[3]): "0"}
    assert ocr._words_after_numbers([[r1, r2]], texts) == [(0, r1[3])]
    # the same "4" in a cell of one row only is read as a number: the label after it is not
    single = [(0, 0, 100, 20), *r1[1:]]
    texts[(0, single[0])] = "4"
    assert ocr._words_after_numbers([[single]], texts) == [(0, r1[1]), (0, r1[3])]


@pytest.mark.parametrize("text,span,aspect,narrow", [
    ("1", (28, 27), None, True),    # an 11 read 1 by the first two readings (a degraded table 二)
    ("11", (28, 27), None, False),
    ("0", (26, 27), None, False),   # a 0 with a speck beside it: not judged without the page's digits
    ("0", (26, 27), 0.5, True),     # judged where the page's own numbers give its digits' width
    ("8", (15, 27), 0.5, False),
])
def test_a_page_without_enough_numbers_judges_only_readings_of_ones(text, span, aspect, narrow):
    assert ocr_ink._narrow_reading(text, span, aspect) is narrow


def _square(bw, x: int, y: int, side: int = 6) -> None:
    bw[y:y + side, x:x + side] = 0


def test_specks_before_or_after_a_number_are_taken_off_signs_and_points_kept():
    """Two specks stacked before a 26 are read 126 by every reading of one model: small marks
    before the first glyph or after the last are no digit, no point and no sign, and are white
    paper again; a minus or a plus before the digits and a point between them stay."""
    bw = cell("26", shift=14)
    _square(bw, 6, 18)
    _square(bw, 6, 36)
    _square(bw, bw.shape[1] - 9, 30)
    clean = ocr_ink._without_edge_specks(bw)
    assert (clean[:, :13] == 255).all() and (clean[:, -10:] == 255).all()
    assert (clean[:, 13:-10] == bw[:, 13:-10]).all()  # the digits untouched
    minus = cell("5", shift=20)
    minus[30:34, 4:16] = 0
    assert (ocr_ink._without_edge_specks(minus) == minus).all()
    plus = cell("5", shift=24)
    plus[22:42, 10:13] = 0
    plus[30:33, 2:21] = 0
    assert (ocr_ink._without_edge_specks(plus) == plus).all()
    point = cell("25", gap=14)
    _square(point, 40, 40, 5)  # between the 2 and the 5, on their baseline
    assert (ocr_ink._without_edge_specks(point) == point).all()
    plain = cell("26")
    assert ocr_ink._without_edge_specks(plain) is plain


def test_a_numbers_main_run_of_glyphs_is_its_ink_without_a_far_mark():
    """A seal's remnant at a cell's far end, as high as the digits, was read as a fifth digit
    of 2776 by every reading of one model: the number read again as its main run of glyphs
    alone (a mark further than a digit's height from the heaviest run taken off) shows it."""
    bw = cell("2776")
    wide = np.full((bw.shape[0], bw.shape[1] + 160), 255, np.uint8)
    wide[:, :bw.shape[1]] = bw
    remnant = cell("4")
    wide[:, bw.shape[1] + 100:bw.shape[1] + 100 + 30] = remnant[:, 10:40]
    alone = ocr_ink._main_run_only(wide)
    assert (alone[:, bw.shape[1] + 60:] == 255).all()
    assert (alone[:, :bw.shape[1]] == bw).all()  # the number untouched
    assert ocr_ink._main_run_only(cell("2776", gap=12)) is None  # spaced digits: still one run
    assert ocr_ink._main_run_only(bw) is None
    # a solid blot is no run: beside a faint, broken 2 it is not taken for the number
    two = cell("2")
    blotted = np.full((two.shape[0], two.shape[1] + 80), 255, np.uint8)
    blotted[:, :two.shape[1]] = two
    blotted[30:40, two.shape[1] + 60:two.shape[1] + 70] = 0
    assert ocr_ink._main_run_only(blotted) is None


def test_separate_digit_high_marks_are_counted_as_digits():
    """An 11 whose 1s stand apart, read 1 by most readings of a degraded scan: its ink is two
    separate digit-high marks, more than the one digit read (a reading of one digit is then no
    vote). A blot or a mark far beside the number is none."""
    assert ocr_ink._digit_high_marks(cell("11", gap=4)) == 2
    assert ocr_ink._digit_high_marks(cell("505")) == 3
    assert ocr_ink._digit_high_marks(cell("0")) == 1
    assert ocr_ink._digit_high_marks(cell("55", gap=-14)) == 1  # touching digits are one mark
    specked = cell("7")
    _square(specked, 5, 40, 4)  # a speck is no digit-high mark
    assert ocr_ink._digit_high_marks(specked) == 1
    blot = cell("2")
    _square(blot, 32, 20, 22)  # nor is a solid blot beside it, as high as a digit
    assert ocr_ink._digit_high_marks(blot) == 1
    far = np.full((60, 300), 255, np.uint8)
    far[:, :cell("7").shape[1]] = cell("7")
    far[:, 240:240 + 30] = cell("4")[:, 10:40]
    assert ocr_ink._digit_high_marks(far) == 1


def test_small_marks_among_a_numbers_digits_are_counted():
    """A speck where a decimal point would go (2776 read 2716) or the piece of a broken stroke
    inside a digit (a 5 whose upright broke off, read 3): small marks within the span of the
    glyphs are counted (the number is doubtful unless its reading holds a point); marks before
    or after the digits, and the digits' own strokes, are not."""
    assert ocr_ink._marks_among_digits(cell("2776")) == 0
    specked = cell("2776", gap=10)
    _square(specked, 56, 40, 4)  # between two digits, on the baseline
    assert ocr_ink._marks_among_digits(specked) == 1
    broken = cell("5")
    inside = broken.copy()
    _square(inside, 21, 35, 2)  # a piece within the digit's own span (in its bowl)
    assert ocr_ink._marks_among_digits(inside) == 1
    beside = cell("5", shift=14)
    _square(beside, 6, 30, 4)  # before the digits: not among them
    assert ocr_ink._marks_among_digits(beside) == 0


def _ruled(rows: int, cols: int, w: int = 100, h: int = 60, skip=()):
    """A grey page of a ruled table (x0 = y0 = 20) and its cells' boxes, one per place; the
    rules in `skip` ("h", row, col: the rule above that cell; "v", row, col: left of it) are
    left out of the drawing."""
    page = np.full((40 + rows * h, 40 + cols * w), 255, np.uint8)
    for r in range(rows + 1):
        for c in range(cols):
            if ("h", r, c) not in skip:
                page[20 + r * h - 1:20 + r * h + 1, 20 + c * w:20 + (c + 1) * w] = 0
    for c in range(cols + 1):
        for r in range(rows):
            if ("v", r, c) not in skip:
                page[20 + r * h:20 + (r + 1) * h, 20 + c * w - 1:20 + c * w + 1] = 0
    boxes = [[(20 + c * w, 20 + r * h, 20 + (c + 1) * w, 20 + (r + 1) * h) for c in range(cols)]
             for r in range(rows)]
    return page, boxes


def _merge(boxes, r0, r1, c0, c1):
    """The boxes with places r0..r1 x c0..c1 one merged cell, as img2table gives it."""
    out = [list(row) for row in boxes]
    merged = (boxes[r0][c0][0], boxes[r0][c0][1], boxes[r1][c1][2], boxes[r1][c1][3])
    for r in range(r0, r1 + 1):
        for c in range(c0, c1 + 1):
            out[r][c] = merged
    return out


def test_a_rule_the_scan_broke_between_two_values_is_put_back():
    """A seal's removal broke the rule between two values of one column (a trace of it left in
    pieces): img2table made the two one cell, and the row beneath lost its value. The cell is
    split at the line its neighbours left and right share, where the rule's trace runs."""
    page, boxes = _ruled(4, 4, skip={("h", 2, 1)})
    y = 20 + 2 * 60
    for x in range(120, 220, 34):  # the rule in pieces: 26 px of every 34
        page[y - 1:y + 1, x:x + 26] = 0
    cv2.putText(page, "104", (140, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    cv2.putText(page, "53", (145, 170), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    merged = _merge(boxes, 1, 2, 1, 1)
    assert ocr._lost_rules(merged, page, 3, 0.75) == boxes


def test_a_cell_of_no_width_or_past_the_page_is_no_rule_broken():
    """img2table can give a cell of no width (860, 1141, 860, 1223 on a degraded scan): there is
    nothing inside it to look for a rule's trace in, and the page is read, not lost."""
    page, boxes = _ruled(4, 4, skip={("h", 2, 1)})
    for x in range(120, 220, 34):  # a broken rule's trace across column 1 at y 140
        page[139:141, x:x + 26] = 0
    assert ocr._rule_traces(page, (120, 80, 120, 200), 3, 0.75, [140], []) is False
    assert ocr._rule_traces(page, (120, 80, 220, 200), 3, 0.75, [140], []) is True
    assert ocr._rule_traces(page, (5000, 80, 5100, 200), 3, 0.75, [140], []) is False


def test_cells_merged_by_design_are_left_merged():
    """A heading over two columns whose words run across the column line, a caption the width
    of the table with only specks right of it, a label down two rows beside another merged
    alike, and a label down the table's edge: their neighbours are split, but no broken rule's
    trace runs along the line (or no neighbours on both sides are split): left as they are."""
    page, boxes = _ruled(6, 4, skip={("v", 1, 2), ("h", 3, 0), ("h", 3, 1), ("v", 4, 1),
                                      ("v", 4, 2), ("v", 4, 3)})
    cv2.putText(page, "HEADING", (150, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)  # across x=220
    cv2.putText(page, "Label", (30, 210), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)  # down rows 2-3
    cv2.putText(page, "Group", (130, 210), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)
    cv2.putText(page, "2 caption", (30, 290), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)
    for x in (260, 330, 380):
        page[285:290, x:x + 5] = 0  # specks right of the caption
    merged = _merge(boxes, 1, 1, 1, 2)
    merged = _merge(_merge(merged, 2, 3, 0, 0), 2, 3, 1, 1)
    merged = _merge(merged, 4, 4, 0, 3)
    assert ocr._lost_rules(merged, page, 3, 0.75) == merged


def test_words_read_where_every_side_says_a_value_stands_are_a_value_not_read():
    """A seal over a value makes words of it (全人四NA要Y for a 1) and its row one value
    short: a cell read as words with numbers above and below it in its column (read, or not
    read) and right of it in its row is named; a row's label, a block's head (no numbers right
    of it) and a label spanning rows are not."""
    cols = [(0, 100), (100, 200), (200, 300), (300, 400)]
    rows = [[(x1, y, x2, y + 10) for x1, x2 in cols] for y in range(0, 60, 10)]
    spanning = (0, 30, 100, 50)
    rows[3][0] = rows[4][0] = spanning
    texts = {(0, b): t for row, line in zip(rows, [
        ["信息内容", "自然人", "商业企业", "总计"],
        ["新收", "3", "1", "4"],
        ["结转", "全人四NA要Y", "0", "0"],   # a value made words: named
        ["(一)予以公开", "本年处理", "2", "2"],  # a value made words too; the label spans rows
        ["(一)予以公开", "5", "0", "5"],
        ["合计", "规章条数", "数量", "说明"],   # a head: no number right of it
    ]) for b, t in zip(row, line)}
    assert ocr._words_among_numbers([rows], texts) == [(0, rows[2][1]), (0, rows[3][1])]
    # a number not read above it counts as a number there (the 3001 of 新收 not read, the 34
    # of 结转 below it read 和认); with nothing but a header above, the words stay words
    texts[(0, rows[1][1])] = ""
    assert ocr._words_among_numbers([rows], texts) == []
    assert ocr._words_among_numbers([rows], texts, unread={(0, rows[1][1])}) == [
        (0, rows[2][1]), (0, rows[3][1])]
    # in the first row under the header, words between values of its row (a number not read
    # left of it, one read right) with a number below are a value too; the header's words are
    # not (no number left of them)
    texts[(0, rows[1][2])] = ". 攻 -"
    assert ocr._words_among_numbers([rows], texts, unread={(0, rows[1][1])}) == [
        (0, rows[1][2]), (0, rows[2][1]), (0, rows[3][1])]
    assert ocr._words_among_numbers([rows], texts) == []
    # the first row under a header: its column's head above it and its row's label left of it,
    # a number right and below (table 二's 规章 row, its 本年制发件数 read 上“玫 under a seal)
    t2 = [[(x1, y, x2, y + 10) for x1, x2 in cols] for y in range(0, 30, 10)]
    words = {(0, b): t for row, line in zip(t2, [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "上“玫", "0", "11"],
        ["行政规范性文件", "8", "26", "66"],
    ]) for b, t in zip(row, line)}
    assert ocr._words_among_numbers([t2], words) == [(0, t2[1][1])]
    # a blank above it is no head, and the heads themselves have words right of them
    words[(0, t2[0][1])] = ""
    assert ocr._words_among_numbers([t2], words) == []


def test_digits_a_page_cannot_judge_are_judged_by_the_documents_digits():
    """A page of table 二 prints few numbers: a 5 of 550 a speck turned into a 3 to every reading
    could not be judged there (the page printing no other 3). The document's other pages print
    3s: judged against them, the cell is doubtful, its readings kept for the rules to choose."""
    from parsers.document import Cell

    def number(text):
        drawn = cell(text)
        return [ocr_shapes._glyph(drawn, b, ocr_ink.DIGIT_ASPECT) for b in ocr_shapes._digit_boxes(drawn, box(drawn), len(text))]

    first = ocr.PageResult(grids=[[[Cell("行政许可"), Cell("530", confidence=96.0)],
                                   [Cell("行政处罚"), Cell("55", confidence=96.0)]]])
    g530, g55 = number("550"), number("55")
    first.shapes = {(0, "a", 0): (g530[0], "5"), (0, "a", 1): (g530[1], "3"), (0, "a", 2): (g530[2], "0"),
                    (0, "b", 0): (g55[0], "5"), (0, "b", 1): (g55[1], "5")}
    first.unjudged = {(0, "a", 1), (0, "a", 2)}
    first.places = {(0, "a"): ([(0, 0, 1)], ("530", "530"))}
    second = ocr.PageResult(grids=[[[Cell("33"), Cell("30")]]])
    g33, g30 = number("33"), number("30")
    second.shapes = {(0, "c", 0): (g33[0], "3"), (0, "c", 1): (g33[1], "3"),
                     (0, "d", 0): (g30[0], "3"), (0, "d", 1): (g30[1], "0")}
    alone = ocr.PageResult(grids=[[[Cell("行政许可"), Cell("530", confidence=96.0)]]])
    alone.shapes, alone.unjudged, alone.places = dict(first.shapes), set(first.unjudged), dict(first.places)

    ocr._judge_by_document([first, second])
    judged = first.grids[0][0][1]
    assert judged.text == "530" and judged.candidates == ("530", "530")
    assert "document's own 5" in judged.doubtful
    assert first.grids[0][1][1].doubtful is None       # 55: judged on its own page, not again
    assert all(c.doubtful is None for c in second.grids[0][0])
    ocr._judge_by_document([alone])                      # no other page: nothing to judge by
    assert alone.grids[0][0][1].doubtful is None
