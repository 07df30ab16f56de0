"""The ledger on the real PostgreSQL: the life story of `tests/unit/domain/life_story.py` (two cases
from intake to release, through every kind of command) read back whole by a fresh CaseLedger; and two
ledgers writing one case."""

from __future__ import annotations

from domain.values import AcolhimentoStep
from application.ledger import CaseLedger
from tests.unit.domain.builders import ASSISTENTE_SOCIAL, a_unit, an_admitted_youth, on_day
from tests.unit.domain.life_story import assert_read_back, record_life_story


def test_the_life_story_persists_in_postgres_and_reads_back_whole(es_env):
    ledger = CaseLedger(env=es_env)
    story = record_life_story(ledger)
    ledger.close()

    reread = CaseLedger(env=es_env)
    assert_read_back(reread, story)
    reread.close()


def test_a_ledger_holding_a_case_in_its_cache_records_after_another_writer_without_missing_or_overwriting_it(es_env):
    first, second = CaseLedger(env=es_env), CaseLedger(env=es_env)
    case_id = an_admitted_youth(first, a_unit(first))
    first.complete_acolhimento_step(case_id=case_id, step=AcolhimentoStep.EQUIPE_TECNICA, occurred_at=on_day(2, 9),
                                    actor=ASSISTENTE_SOCIAL)  # the first ledger now holds the case as saved
    second.complete_acolhimento_step(case_id=case_id, step=AcolhimentoStep.PEDAGOGICO, occurred_at=on_day(2, 10),
                                     actor=ASSISTENTE_SOCIAL)
    first.complete_acolhimento_step(case_id=case_id, step=AcolhimentoStep.PRPIF, occurred_at=on_day(2, 11),
                                    actor=ASSISTENTE_SOCIAL)
    assert first.case(case_id).acolhimento_steps == {
        AcolhimentoStep.EQUIPE_TECNICA, AcolhimentoStep.PEDAGOGICO, AcolhimentoStep.PRPIF}
    versions = [e.originator_version for e in first.events.get(case_id)]
    assert versions == list(range(1, len(versions) + 1))
    first.close()
    second.close()
