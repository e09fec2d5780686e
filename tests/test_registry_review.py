"""`ogi registry check`, `diff` and `accept` on a small simulated nation: check tells reachable
portals whose title names the division from moved, unreachable and blocked ones; tools write
proposals, never the registry; a verified entry is never changed by a tool; accept takes what the
operator reviewed. And --resolve exempts only the hosts it names from the private-address guard."""
from __future__ import annotations

import json
import pytest

from crawler.middlewares import check_url
from testbed.nation import Nation
from crawler.demo.server import start, stop
from crawler.registry import load_registry
from crawler.registry.proposals import load_proposals

from tests.conftest import free_port
from tests.portal_fixtures import explain
from tests.test_registry_nation import FAST, ogi

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def test_check_diff_accept_and_verified_entries(tmp_path):
    site = Nation(5)
    c0, c1, c2, c3, c4 = site.counties
    site.blocked_hosts.add(c2.host)
    site.moved_hosts[c3.host] = "www.sim-new003.gov.cn"
    server, thread = start(site, "127.0.0.1", 0)
    port = server.server_address[1]
    dead = free_port()
    resolve = []
    for h in site.hosts + ["www.sim-new003.gov.cn"]:
        resolve += ["--resolve", f"{h}=127.0.0.1:{port}"]
    try:
        seed = site.seed_csv().replace(f"county,{c4.division},", "county,错名县,")  # a wrong name
        seed += (f"359998,county,死链县,350000,福建省,福建省,http://www.sim-dead.gov.cn/,www.sim-dead.gov.cn,none,,,,\n")
        (tmp_path / "seed.csv").write_text(seed, "utf-8")
        reg = tmp_path / "registry.csv"
        assert ogi("registry", "import", str(tmp_path / "seed.csv"), "--registry", str(reg)).returncode == 0
        before = reg.read_text("utf-8")
        # a person verified c1 with a column of their own choosing
        # (platform, column_urls, known_reports, list_api, xxgk_url, status)
        old = f"http://{c1.host}/,sim001.gov.cn,,,,,,unverified"
        assert old in before
        reg.write_text(before.replace(old, f"http://{c1.host}/,sim001.gov.cn,trs,http://{c1.host}/hand/,,,,verified"),
                       "utf-8")
        before = reg.read_text("utf-8")
        proc = ogi("registry", "check", "--all", "--registry", str(reg), *resolve,
                   "--resolve", f"www.sim-dead.gov.cn=127.0.0.1:{dead}", *FAST)
        assert proc.returncode == 0, explain(proc)
        assert reg.read_text("utf-8") == before, "check must not write the registry"
        props = load_proposals(str(reg) + ".proposals.json")
        f = {code: r["fields"] for code, r in props.items()}
        assert f[c0.code]["status"] == "verified" and f[c0.code]["platform"] == "trs"
        assert props[c0.code]["evidence"]["title_matches"] is True
        assert f[c2.code]["status"] == "blocked"
        assert f[c3.code]["status"] == "moved" and f[c3.code]["domains"] == ["sim-new003.gov.cn"]
        assert f["359998"]["status"] == "unreachable"
        assert "status" not in f[c4.code] and props[c4.code]["evidence"]["title_matches"] is False
        assert "DOES NOT match" in proc.stdout

        # until accepted: only the tool statuses apply, and never to a verified entry
        eff = load_registry(reg, str(reg) + ".proposals.json")
        assert eff[c0.code].status == "unverified"
        assert (eff[c2.code].status, eff[c3.code].status, eff["359998"].status) == (
            "blocked", "moved", "unreachable")
        assert eff[c1.code].status == "verified" and eff[c1.code].column_urls == [f"http://{c1.host}/hand/"]

        disc = ogi("registry", "discover", c0.code, c1.code, "--registry", str(reg), *resolve, *FAST)
        assert disc.returncode == 0, explain(disc)
        eff = load_registry(reg, str(reg) + ".proposals.json")
        assert eff[c1.code].column_urls == [f"http://{c1.host}/hand/"]  # the person's column stays
        assert eff[c0.code].column_urls == [c0.gov.url(c0.gov.column)]
        diff = ogi("registry", "diff", c1.code, "--registry", str(reg))
        assert "verified: not applied until accepted" in diff.stdout and "column_urls" in diff.stdout

        crawl = ogi("crawl", "--all", "--registry", str(reg), "--archive", str(tmp_path / "a"),
                    *resolve, *FAST)
        assert crawl.returncode == 0, explain(crawl)
        assert f"{c2.code} " in crawl.stdout and "status blocked" in crawl.stdout

        acc = ogi("registry", "accept", c0.code, "--registry", str(reg))
        assert acc.returncode == 0, explain(acc)
        plain = load_registry(reg)
        assert plain[c0.code].status == "verified"
        assert plain[c0.code].column_urls == [c0.gov.url(c0.gov.column)]
        assert c0.code not in load_proposals(str(reg) + ".proposals.json")
        rows = [json.loads(x) for x in ogi("registry", "diff", "--registry", str(reg), "--json").stdout.splitlines()]
        assert {r["code"] for r in rows if r["new"]} >= {p.code for p in eff.values() if p.parent == c1.code}
    finally:
        stop(server, thread)


def test_resolve_exempts_only_the_named_hosts_from_the_private_address_guard():
    named = {"www.sim000.gov.cn": ("127.0.0.1", 8000)}
    assert check_url("http://www.sim000.gov.cn/x", ["sim000.gov.cn"], False, named) is None
    assert "loopback" in check_url("http://127.0.0.1/x", ["127.0.0.1"], False, named)
    assert "loopback" in check_url("http://localhost/x", ["localhost"], False, named)
    assert check_url("http://www.sim000.gov.cn/x", ["other.gov.cn"], False, named).startswith(
        "refused: www.sim000.gov.cn is not a domain")


def test_bad_resolve_option_is_a_configuration_error(tmp_path):
    proc = ogi("crawl", "--url", "http://www.sim000.gov.cn/", "--resolve", "www.sim000.gov.cn",
               "--archive", str(tmp_path / "a"))
    assert proc.returncode == 2 and "HOST=ADDRESS" in proc.stderr
