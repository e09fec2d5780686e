"""Link classification, URL safety, registry rules, Retry-After parsing (no network)."""
from __future__ import annotations

import pytest

from crawler.middlewares import check_url, retry_after_seconds
from crawler.registry import NO_COLUMN, load_registry
from crawler.links import attachment_ext, challenge_reason, classify_title, sniff


@pytest.mark.parametrize("title", [
    "博爱县人民政府2024年政府信息公开工作年度报告",
    "平潭综合实验区2024年度政府信息公开工作年度报告",
    "2023年XX局政府信息公开工作年度报告",
    "示范县民政局2022年政府信息公开工作年度报告（图片版）",
    "XX县2021年政府信息公开工作年度报告（超链版）",
    "XX区审计局2023年政府信息公开年报",
    "中共XX县委机构编制委员会办公室2023年政府信息公开工作年度报告",
    "XX市统计局2024年政府信息公开工作年度报告",
    "XX县2012年政府信息公开工作报告",
    "附件：XX县2024年政府信息公开工作年度报告.pdf",
    "XX镇 2020 年 政府信息公开 工作年度报告",
])
def test_reports(title):
    assert classify_title(title) == "report"


@pytest.mark.parametrize("title", [
    "博爱县2025年政务公开工作要点",
    "关于做好2024年度政府信息公开工作年度报告编制发布工作的通知",
    "XX县2024年政务公开工作要点落实情况的报告",
    "XX县2025年县级预算公开", "XX县2023年度部门决算公开", "XX县2024年预决算公开",
    "XX县2024年卫生健康统计年报",
    "XX县政府信息公开指南（2025年修订）",
    "图解：《XX县2024年政府信息公开工作年度报告》",
    "《XX县2024年政府信息公开工作年度报告》解读",
    "关于XX县2023年政府信息公开工作年度报告的更正说明",
    "政府信息公开工作年度报告格式模板",
    "XX县2024年国民经济和社会发展统计公报",
    "XX县召开2025年政务公开工作推进会",
    "",
])
def test_lookalikes_are_not_reports(title):
    assert classify_title(title) != "report"


def test_columns_and_navigation():
    for t in ("政府信息公开年报", "政府信息公开年度报告", "信息公开年报", "年度报告", "年报"):
        assert classify_title(t) == "column", t
    for t in ("政务公开", "政府信息公开", "信息公开", "信息公开目录"):
        assert classify_title(t) == "nav", t
    assert classify_title("政府信息公开指南") is None


def test_attachment_ext_and_sniffing():
    assert attachment_ext("/a/P020250120.pdf") == "pdf"
    assert attachment_ext("/module/download/downfile.jsp?classid=0&filename=abc.docx") == "docx"
    assert attachment_ext("/a/t20250120_1.html") is None
    assert sniff(b"%PDF-1.7 ...") == "pdf" and sniff(b"PK\x03\x04..") == "zip"
    assert sniff(b"\xd0\xcf\x11\xe0....") == "ole" and sniff(b"\x89PNG\r\n") == "image"
    assert sniff(b"  <!DOCTYPE html><html>") == "html"
    from crawler.demo.site import CHALLENGE_PAGE
    assert challenge_reason(CHALLENGE_PAGE)
    assert challenge_reason("<html><body><p>政府信息公开工作年度报告</p></body></html>".encode()) is None


@pytest.mark.parametrize("url,reason", [
    ("ftp://www.pingtan.gov.cn/a.pdf", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("http://www.pingtan.gov.cn.evil.com/a.html", "not a domain"),
    ("http://mirror-site.com/zwgk/zfxxgk/zfxxgknb/a.htm", "not a domain"),
    ("http://127.0.0.1:8000/a.html", "loopback"),
    ("http://10.0.0.5/a.html", "private"),
    ("http://192.168.1.1/a.html", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]/a.html", "loopback"),
    ("http://0.0.0.0/a.html", "unspecified"),
])
def test_unsafe_urls_are_refused(url, reason):
    domains = ["pingtan.gov.cn", "127.0.0.1", "10.0.0.5", "192.168.1.1", "169.254.169.254",
               "::1", "0.0.0.0"]
    why = check_url(url, domains, allow_private=False)
    assert why and reason in why, why


def test_allowed_urls():
    assert check_url("http://127.0.0.1:8000/a.html", ["127.0.0.1"], allow_private=True) is None
    assert check_url("http://10.0.0.5/a.html", ["127.0.0.1"], allow_private=True)  # other host
    assert check_url("https://1.1.1.1/a.html", ["1.1.1.1"], allow_private=False) is None


def test_retry_after():
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_registry_real_entries_and_refusals():
    reg = load_registry()
    assert len(reg) >= 10
    for p in reg.values():
        assert p.region_code == "" or (len(p.region_code) == 6 and p.region_code.isdigit())
        assert p.source, p.code  # where the facts come from
        for u in p.column_urls:
            assert u.startswith(("http://", "https://"))
    boai = reg["410822"]
    # the hand-written entry (portals.yaml) keeps its name; the national import adds its portal
    assert boai.agency == "博爱县人民政府" and boai.name == "博爱县" and boai.domains == ["boai.gov.cn"]
    assert boai.crawl_problems() == [NO_COLUMN]
    assert reg["350128"].crawl_problems() == []
    assert len(reg.crawlable()) >= 5


def test_registry_rejects_bad_files(tmp_path):
    from crawler.registry import Portal, RegistryError
    bad = tmp_path / "r.yaml"
    bad.write_text("portals:\n  - code: x\n    agency: y\n    colum_urls: []\n", "utf-8")
    with pytest.raises(RegistryError, match="unknown field"):
        load_registry(bad)
    p = Portal(code="1", agency="a", region_code="350128", domains=["a.gov.cn"],
               column_urls=["http://b.gov.cn/x/"], robots="ignore")
    probs = " ".join(p.crawl_problems())
    assert "not on the portal's domains" in probs and "only with a reason" in probs
