"""The web app in a real browser — Debian's headless Chromium driven by Playwright — against a real
`caseledger serve` on the real stack, as an auditor uses it. Screenshots of the pages go to
`tests/artifacts/` (kept by CI as artefacts; ignored by git)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
import uuid
from pathlib import Path

import httpx
import pytest

from domain.calendar import CUIABA
from infra.simulation import generate
from tests.e2e.web_server import principal_token, relay_and_project, serving

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
UNIT = "MT-CGB-SL"  # the Cuiabá semiliberdade unit, where the year's first correction happens


def _post(server, commands) -> dict:
    answer = server.post(f"{server.url}/api/commands", timeout=600,
                        content="\n".join(json.dumps(c, ensure_ascii=False) for c in commands).encode())
    assert answer.status_code in (200, 422), answer.text[:2000]
    return answer.json()


@pytest.fixture(scope="module")
def site(stack_settings):
    """The year up to its first correction (a registration's guia number, retified), recorded in two
    batches a moment apart, so 'as recorded' between them shows the entry before its correction."""
    planned = generate(seed=2025)
    first = next(i for i, p in enumerate(planned) if p.command["command"] == "correct_case_entry")
    correction = planned[first].command
    with serving(stack_settings) as server:
        _post(server, [p.command for p in planned[:first] if not p.expect_refusal])
        time.sleep(1.5)
        between = dt.datetime.now(CUIABA).replace(microsecond=0)
        time.sleep(1.5)
        _post(server, [correction])
        relay_and_project(server)
        yield server, correction, between


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (infra/run.sh does it for tests)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _sign_in(page, url: str, token: str, then: str = "/") -> None:
    page.goto(f"{url}/entrar?volta={then}")
    page.fill("input[name=token]", token)
    page.click("button:has-text('Entrar')")
    page.wait_for_load_state()


@pytest.fixture
def anonymous(browser):
    context = browser.new_context(locale="pt-BR", timezone_id="America/Cuiaba", viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def page(site, anonymous):
    """A browser signed in as a state-wide service principal (the tests' harness)."""
    server, _, _ = site
    _sign_in(anonymous, server.url, server.token)
    return anonymous


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_units_page_lists_every_unit_and_leads_to_a_units_residents(site, page):
    server, correction, _ = site
    page.goto(f"{server.url}/?data=15/01/2025")
    _shot(page, "unidades")
    assert page.locator("h1").inner_text() == "Unidades socioeducativas"
    assert page.locator("tbody tr").count() == 8  # the eight MT units of the SIPIA-MT plan
    page.click(f"text={UNIT}")
    page.wait_for_selector("h2:has-text('Quem está na unidade')")
    assert page.locator("svg[aria-label='ocupação diária']").count() == 1


def test_a_case_page_shows_a_correction_and_as_recorded_before_it_shows_the_entry_as_it_was(site, page):
    server, correction, between = site
    case_id = correction["case_id"]
    page.goto(f"{server.url}/casos/{case_id}?data=31/01/2025")
    first = page.locator("#e-1")
    assert "corrigido (guia_number)" in first.inner_text()
    link = first.locator("a", has_text="ver retificação")
    assert link.count() == 1
    target = link.get_attribute("href")
    assert "retificação da entrada" in page.locator(target).inner_text()  # the link leads to the correction
    _shot(page, "caso-com-correcao")
    # Move the 'as recorded' moment to before the correction: the entry is shown as it was recorded.
    page.fill("input[name=registrado_em]", between.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("button:has-text('Ver')")
    page.wait_for_selector("text=Como registrado até")
    assert "corrigido" not in page.locator("#e-1").inner_text()
    assert page.locator(target).count() == 0  # the correction was not recorded yet
    _shot(page, "caso-como-registrado")
    # And clearing it again brings the correction back.
    page.fill("input[name=registrado_em]", "")
    page.click("button:has-text('Ver')")
    page.wait_for_selector("text=com todas as correções")
    assert "corrigido (guia_number)" in page.locator("#e-1").inner_text()


def test_the_as_of_date_hides_what_had_not_happened_yet(site, page):
    server, correction, _ = site
    case_id = correction["case_id"]
    page.goto(f"{server.url}/casos/{case_id}?data=31/01/2025")
    later = page.locator("ol.timeline li").count()
    page.fill("input[name=data]", "2025-01-02")
    page.click("button:has-text('Ver')")
    page.wait_for_selector("text=Como era ao fim de 02/01/2025")
    earlier = page.locator("ol.timeline li").count()
    assert 0 < earlier < later


def test_the_inspection_report_opens_printable_from_the_unit_page(site, page):
    server, _, _ = site
    page.goto(f"{server.url}/unidades/{UNIT}?data=15/01/2025")
    page.click("text=Relatório de inspeção")
    page.wait_for_load_state()
    text = page.inner_text("body")
    assert "CNMP" in text and UNIT in text
    _shot(page, "inspecao")


def test_a_bad_date_is_a_message_in_portuguese_not_an_error_page(site, page):
    server, correction, _ = site
    response = page.goto(f"{server.url}/casos/{correction['case_id']}?data=32/13/2025")
    assert response.status == 400
    assert "Use DD/MM/AAAA" in page.locator("[role=alert]").inner_text()


def test_the_operations_page_shows_the_relay_and_read_models(site, page):
    server, _, _ = site
    page.goto(f"{server.url}/operacao")
    _shot(page, "operacao")
    body = page.inner_text("body")
    assert "relay" in body and "case_view" in body


def test_without_signing_in_a_page_asks_for_a_credential(site, anonymous):
    server, correction, _ = site
    anonymous.goto(f"{server.url}/casos/{correction['case_id']}")
    assert anonymous.url.startswith(f"{server.url}/entrar")
    assert anonymous.locator("h1").inner_text() == "Entrar"
    assert "Linha do tempo" not in anonymous.inner_text("body")
    _sign_in(anonymous, server.url, "not-a-token")
    assert "Credencial recusada" in anonymous.inner_text("body")


def test_a_state_manager_sees_the_units_but_is_refused_a_youths_record_R61(site, anonymous):
    server, correction, _ = site
    _sign_in(anonymous, server.url, principal_token(server, "gestor_estadual", state=True))
    assert anonymous.locator("tbody tr").count() == 8
    response = anonymous.goto(f"{server.url}/casos/{correction['case_id']}?data=31/01/2025")
    assert response.status == 403
    alert = anonymous.locator("[role=alert]").inner_text()
    assert "Acesso recusado — R-61" in alert and "ECA arts. 143–144" in alert
    assert "Linha do tempo" not in anonymous.inner_text("body")
    _shot(anonymous, "recusa-gestor")


def test_opening_a_case_in_the_browser_is_in_its_access_log_with_the_purpose(site, page):
    from tests.e2e.cli import run

    server, correction, _ = site
    purpose = f"audiência de reavaliação {uuid.uuid4().hex[:6]}"  # the log outlives test stores
    page.goto(f"{server.url}/casos/{correction['case_id']}?data=31/01/2025&finalidade={purpose}")
    page.wait_for_selector("h2:has-text('Linha do tempo')")
    log = run(server.settings, "access-log", correction["case_id"], "--json", **server.env)
    assert log.returncode == 0, log.stderr
    reads = [e for e in json.loads(log.stdout) if e["channel"] == "web" and e["purpose"] == purpose]
    assert len(reads) == 1 and reads[0]["what"] == "case page"
