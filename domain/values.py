"""Shared value types of the domain: roles, actors, source documents, closed lists.

Every type here may appear in an event payload, so each one follows the event-field
contract: ``str``, ``int``, ``bool``, ``float``, aware ``datetime``, ``date``, ``UUID``,
a ``StrEnum`` from this module, a frozen dataclass from this module, ``X | None`` or
``tuple[X, ...]``.

Personal data (names, civil documents, addresses, visitor identities) and every free-text
field — free text can always name a person — are annotated ``Annotated[..., PERSONAL]`` so
that a later issue can encrypt them per adolescent (ECA 143; Reg. art. 14 VIII, XXV).

Over 400 lines because it is a catalogue: one closed list or value type after another, each
small, looked up by name; splitting it would only scatter the contract of the event fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from domain.rules import refuse


class _PersonalMarker:
    """Marker placed in ``typing.Annotated`` metadata of personal-data fields."""

    _instance: _PersonalMarker | None = None

    def __new__(cls) -> _PersonalMarker:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PERSONAL"


PERSONAL = _PersonalMarker()
"""Marks a field as personal data (*dado pessoal*): to be encrypted per adolescent."""

PersonalText = Annotated[str, PERSONAL]
"""A string that is personal data, or free text that may contain personal data."""


def require_name(value: str, what: str) -> str:
    """Refuse a blank name (D-14): empty or only spaces names nobody."""
    if not value.strip():
        refuse("D-14", f"Give {what}; it is blank.")
    return value


class Role(StrEnum):
    """Roles of the people who record facts (Regimento arts. 13–22; DOMAIN.md §5.1)."""

    GERENTE = "gerente"
    PSICOLOGO = "psicologo"
    ASSISTENTE_SOCIAL = "assistente_social"
    PEDAGOGO = "pedagogo"
    ARTE_EDUCADOR = "arte_educador"
    EDUCADOR_FISICO = "educador_fisico"
    AGENTE = "agente_socioeducativo"
    LIDER = "lider_de_equipe"
    ADMINISTRATIVO = "assistente_administrativo"
    COMISSAO = "conselho_socioeducador"
    DEFENSOR = "defensor"
    MINISTERIO_PUBLICO = "ministerio_publico"
    ADOLESCENTE = "adolescente"
    FAMILIA = "familia"


# Reg. art. 13, 15–19: the technical reference team.
TECHNICAL_ROLES = frozenset(
    {Role.PSICOLOGO, Role.ASSISTENTE_SOCIAL, Role.PEDAGOGO, Role.ARTE_EDUCADOR, Role.EDUCADOR_FISICO}
)
SUPERVISOR_ROLES = frozenset({Role.GERENTE, Role.LIDER})


@dataclass(frozen=True)
class Actor:
    """Who records a fact: a staff identifier (never a name) and the role held."""

    id: str
    role: Role


class DocumentKind(StrEnum):
    """Kinds of source document that back a recorded fact."""

    GUIA_EXECUCAO = "guia_de_execucao"
    CARTA_DE_GUIA = "carta_de_guia"
    MANDADO = "mandado_judicial"
    MANDADO_LIBERACAO = "mandado_de_liberacao"
    DECISAO_JUDICIAL = "decisao_judicial"
    SENTENCA = "sentenca"
    OFICIO_JUDICIAL = "oficio_judicial"
    OFICIO_VAGA = "oficio_de_liberacao_de_vaga"
    PORTARIA = "portaria"
    TERMO = "termo"
    FORMULARIO = "formulario"
    ATA = "ata"
    OUTRO = "outro"


JUDICIAL_DOCUMENTS = frozenset(
    {
        DocumentKind.GUIA_EXECUCAO,
        DocumentKind.CARTA_DE_GUIA,
        DocumentKind.MANDADO,
        DocumentKind.MANDADO_LIBERACAO,
        DocumentKind.DECISAO_JUDICIAL,
        DocumentKind.SENTENCA,
        DocumentKind.OFICIO_JUDICIAL,
    }
)


@dataclass(frozen=True)
class SourceDocument:
    """Reference to the document that backs a fact (court order, Portaria, form).

    Only references are kept (number, process, issuer, hash); the document itself lives
    in the case folder.
    """

    kind: DocumentKind
    number: str
    # The process number identifies the youth (CNJ numbers are enumerable); the issuer is free
    # text that may name a person (ECA art. 143).
    process_number: PersonalText | None = None
    issuer: PersonalText | None = None
    issued_on: date | None = None
    file_sha256: str | None = None

    @property
    def is_judicial(self) -> bool:
        """True for documents issued by the court (*ordem judicial*)."""
        return self.kind in JUDICIAL_DOCUMENTS


@dataclass(frozen=True)
class RecordedException:
    """A protective rule broken by a fact that is recorded anyway, with its justification.

    The alert flag lets projections raise the matter to the gerente, the court, the MP and
    the Defensoria (ARCHITECTURE.md: "the ledger records facts").
    """

    rule_code: str
    justification: PersonalText
    alert: bool = True


@dataclass(frozen=True)
class StaffMember:
    """A staff member named by an opaque staff id and role (commission members, report authors)."""

    staff_id: str
    role: Role


@dataclass(frozen=True)
class FieldCorrection:
    """One corrected field of an earlier entry: its name and the new value as text."""

    field: str
    value: PersonalText


# --- closed lists -------------------------------------------------------------------------


class Sex(StrEnum):
    """Sex recorded for room separation and unit profile (CNMP67 Annex III 1.3)."""

    MASCULINO = "masculino"
    FEMININO = "feminino"


class UnitType(StrEnum):
    """Type of unit, from its Portaria (Reg. art. 9, 10)."""

    SEMILIBERDADE = "semiliberdade"
    INTERNACAO = "internacao"
    INTERNACAO_PROVISORIA = "internacao_provisoria"


class Modality(StrEnum):
    """Legal modality of the youth's stay (ECA 108, 120, 122)."""

    ATENDIMENTO_INICIAL = "atendimento_inicial"
    PROVISORIA = "internacao_provisoria"
    INTERNACAO = "internacao"
    INTERNACAO_SANCAO = "internacao_sancao"
    SEMILIBERDADE = "semiliberdade"

    @property
    def is_definitive(self) -> bool:
        """A definitive measure (sentence) as opposed to provisional custody."""
        return self in (Modality.INTERNACAO, Modality.INTERNACAO_SANCAO, Modality.SEMILIBERDADE)


# Decision 10 and Reg. art. 9 II: which modalities each unit type receives.
MODALITIES_BY_UNIT_TYPE: dict[UnitType, frozenset[Modality]] = {
    UnitType.SEMILIBERDADE: frozenset({Modality.SEMILIBERDADE}),
    UnitType.INTERNACAO: frozenset({Modality.INTERNACAO}),
    UnitType.INTERNACAO_PROVISORIA: frozenset(
        {Modality.ATENDIMENTO_INICIAL, Modality.PROVISORIA, Modality.INTERNACAO_SANCAO}
    ),
}

# Severity order used to tell a regression (more severe measure) from a progression.
MODALITY_SEVERITY: dict[Modality, int] = {
    Modality.ATENDIMENTO_INICIAL: 0,
    Modality.SEMILIBERDADE: 1,
    Modality.PROVISORIA: 2,
    Modality.INTERNACAO_SANCAO: 2,
    Modality.INTERNACAO: 3,
}


class IntakeOrigin(StrEnum):
    """Where the youth comes from at intake."""

    UNIDADE_PROVISORIA = "unidade_provisoria"
    DELEGACIA = "delegacia"
    OUTRA_UNIDADE = "outra_unidade"
    RECAPTURA = "recaptura"
    APRESENTACAO_ESPONTANEA = "apresentacao_espontanea"


class IntakeDocument(StrEnum):
    """Documents of the intake checklist: the union of Reg. art. 24 and 28 (Decision 2)."""

    CARTA_OU_GUIA_DE_EXECUCAO = "carta_ou_guia_de_execucao"  # Reg. art. 24; 28 II
    SENTENCA_OU_DECISAO = "sentenca_ou_decisao"  # Reg. art. 24; 28 III
    OFICIO_DE_ENCAMINHAMENTO = "oficio_de_encaminhamento"  # Reg. art. 24
    OFICIO_DE_VAGA = "oficio_de_liberacao_de_vaga"  # Reg. art. 24
    DOCUMENTO_PESSOAL = "documento_pessoal"  # Reg. art. 28 I: RG and/or certidão
    EXAME_CORPO_DE_DELITO = "exame_de_corpo_de_delito"  # Reg. art. 28 IV


DEFAULT_INTAKE_DOCUMENTS: tuple[IntakeDocument, ...] = tuple(IntakeDocument)


class IntakeRefusalReason(StrEnum):
    """Closed list of reasons an intake is refused (Reg. art. 24 par. único, 28 par. único, 33)."""

    DOCUMENTO_FALTANTE = "documento_faltante"
    SEM_VAGA = "sem_vaga"
    SEM_ORDEM_JUDICIAL = "sem_ordem_judicial"
    LESOES_OU_ILICITOS = "lesoes_ou_ilicitos_na_revista"


class IntakeRefusalDestination(StrEnum):
    """Where the youth went after a refused intake (Reg. art. 28 par. único, 33 par. único)."""

    RETORNOU_COM_ESCOLTA = "retornou_com_escolta"
    DELEGACIA_ESPECIALIZADA = "delegacia_especializada"


class AcolhimentoStep(StrEnum):
    """Steps of the acolhimento (Reg. art. 31 I–IV)."""

    PRPIF = "prpif"
    EQUIPE_TECNICA = "equipe_tecnica"
    PEDAGOGICO = "pedagogico"
    EDUCACAO_FISICA = "educacao_fisica"


class PIASection(StrEnum):
    """The eight minimum sections of the PIA (Reg. art. 69 I–VIII)."""

    ESTUDO_INTERDISCIPLINAR = "resultados_estudo_interdisciplinar"
    METAS_DO_ADOLESCENTE = "metas_do_adolescente"
    INTEGRACAO_SOCIAL = "integracao_social_e_profissional"
    APOIO_FAMILIAR = "apoio_familiar"
    PARTICIPACAO_FAMILIAR = "participacao_familiar"
    SAUDE = "medidas_de_saude"
    ATIVIDADES_PERMITIDAS = "atividades_internas_externas"
    METAS_ATIVIDADES_EXTERNAS = "metas_atividades_externas"


class ReportKind(StrEnum):
    """Kind of technical report (*relatório técnico*)."""

    INICIAL = "inicial"
    ACOMPANHAMENTO = "acompanhamento"
    REAVALIACAO = "reavaliacao"
    CONCLUSIVO = "conclusivo"


class ReportConclusion(StrEnum):
    """Explicit conclusion of a report (CNMP67 Annex bimestral 3.3)."""

    MANUTENCAO = "manutencao"
    PROGRESSAO = "progressao"
    REGRESSAO = "regressao"
    EXTINCAO = "extincao"


class ReassessmentRequester(StrEnum):
    """Who may ask for a reassessment (SINASE 43; Reg. art. 73)."""

    DIRECAO_DA_UNIDADE = "direcao_da_unidade"
    DEFENSOR = "defensor"
    MINISTERIO_PUBLICO = "ministerio_publico"
    ADOLESCENTE = "adolescente"
    PAIS_OU_RESPONSAVEL = "pais_ou_responsavel"


class ReassessmentGround(StrEnum):
    """Grounds for a reassessment request (SINASE 43 I–III)."""

    BOM_DESEMPENHO = "bom_desempenho"
    INADAPTACAO = "inadaptacao_ou_descumprimento"
    NECESSIDADE_ATIVIDADES_RESTRITIVAS = "necessidade_atividades_mais_restritivas"


class MeasureDecision(StrEnum):
    """Court decision after reassessment (E19)."""

    MANUTENCAO = "manutencao"
    SUBSTITUICAO = "substituicao"
    SUSPENSAO = "suspensao"
    EXTINCAO = "extincao"
    UNIFICACAO = "unificacao"
    CONVERSAO_PROVISORIA_EM_DEFINITIVA = "conversao_provisoria_em_definitiva"


class JudicialOrderKind(StrEnum):
    """Kinds of court order the unit files (E20)."""

    INCLUSAO = "inclusao"
    TRANSFERENCIA = "transferencia"
    LIBERACAO = "liberacao"
    SUSPENSAO_DE_VISITAS = "suspensao_de_visitas"
    PROIBICAO_ATIVIDADES_EXTERNAS = "proibicao_de_atividades_externas"
    LIBERACAO_ATIVIDADES_EXTERNAS = "liberacao_de_atividades_externas"
    SAIDA_DETERMINADA = "saida_determinada"
    INTIMACAO_AUDIENCIA = "intimacao_para_audiencia"
    REAVALIACAO_TRIMESTRAL = "reavaliacao_trimestral"
    OUTRA = "outra"


class ExitPurpose(StrEnum):
    """Purpose of an external exit (E22; Reg. art. 76 I–VI for the first 8 days)."""

    SAUDE_EMERGENCIAL = "saude_emergencial"  # Reg. art. 76 I
    SAUDE_IMPRESCINDIVEL = "saude_imprescindivel"  # Reg. art. 76 II
    ESCOLA_CURSO_TRABALHO = "escola_curso_trabalho"  # Reg. art. 76 III (already enrolled)
    DOCUMENTOS = "documentos"  # Reg. art. 76 IV
    EVENTO_FAMILIAR = "evento_familiar"  # Reg. art. 76 V
    DETERMINACAO_JUDICIAL = "determinacao_judicial"  # Reg. art. 76 VI
    AUDIENCIA = "audiencia"
    ATIVIDADE_ESPORTIVA_CULTURAL = "atividade_esportiva_cultural"


# Reg. art. 76: the only exits allowed in the first 8 days.
TRIAGE_EXIT_PURPOSES = frozenset(
    {
        ExitPurpose.SAUDE_EMERGENCIAL,
        ExitPurpose.SAUDE_IMPRESCINDIVEL,
        ExitPurpose.ESCOLA_CURSO_TRABALHO,
        ExitPurpose.DOCUMENTOS,
        ExitPurpose.EVENTO_FAMILIAR,
        ExitPurpose.DETERMINACAO_JUDICIAL,
        ExitPurpose.AUDIENCIA,
    }
)


class LeaveKind(StrEnum):
    """Kinds of family leave (*visita à família*, Reg. art. 63, 79)."""

    MESMO_DIA = "retorno_no_mesmo_dia"
    PERNOITE = "retorno_em_dia_posterior"


class EvasionKind(StrEnum):
    """How an evasion happened (E24)."""

    DE_DENTRO_DA_UNIDADE = "de_dentro_da_unidade"
    DURANTE_ATIVIDADE_EXTERNA = "durante_atividade_externa"
    NAO_RETORNO_DE_SAIDA = "nao_retorno_de_saida"


class OffenceSeverity(StrEnum):
    """Severity of a disciplinary offence (Decision 5)."""

    LEVE = "leve"
    MEDIA = "media"
    GRAVE = "grave"


class SanctionType(StrEnum):
    """Closed list of disciplinary measures (*medidas sociopedagógicas*).

    Deliberately without visit suspension (Reg. art. 60) and without any form of
    incommunicado (ECA 124 §1): they cannot be chosen.
    """

    ADVERTENCIA = "advertencia_verbal"
    REPREENSAO_ESCRITA = "repreensao_escrita"
    SUSPENSAO_DE_ESTIMULO = "suspensao_de_estimulo"
    TAREFA_REPARADORA = "tarefa_reparadora"
    RESTRICAO_ATIVIDADE_RECREATIVA = "restricao_de_atividade_recreativa"
    SUSPENSAO_SAIDA_FAMILIA = "suspensao_de_visita_a_familia"


class DisciplinaryOutcome(StrEnum):
    """Outcome of a disciplinary decision (E31)."""

    SEM_SANCAO = "sem_sancao"
    ARQUIVADO = "arquivado"
    SANCAO = "sancao"


class ExclusionGround(StrEnum):
    """Grounds that exclude a sanction (SINASE 75)."""

    COACAO_IRRESISTIVEL = "coacao_irresistivel"
    FORCA_MAIOR = "forca_maior"
    LEGITIMA_DEFESA = "legitima_defesa"


class IsolationGround(StrEnum):
    """The only ground for isolation: indispensable for someone's safety (SINASE 48 §2)."""

    SEGURANCA_DE_OUTROS = "seguranca_de_outros"
    SEGURANCA_DO_PROPRIO = "seguranca_do_proprio_adolescente"


class AppealOutcome(StrEnum):
    """Outcome of an appeal against a disciplinary decision (E33)."""

    MANTIDA = "mantida"
    REDUZIDA = "reduzida"
    ANULADA = "anulada"


class IncentiveKind(StrEnum):
    """Kinds of incentive (*estímulos*, Reg. art. 65, 66)."""

    ELOGIO_ESCRITO = "elogio_escrito"
    REPRESENTAR_A_UNIDADE = "representar_a_unidade"
    PASSEIO = "passeio"
    CONCURSO = "concurso"
    LIGACAO_QUINZENAL = "ligacao_quinzenal"
    VISITA_FAMILIA_FERIADO = "visita_familia_feriado"


class SuspensionMotive(StrEnum):
    """Why an incentive is suspended or restricted (Reg. art. 64 §3)."""

    MA_CONDUTA = "ma_conduta"
    CRITERIO_TECNICO = "criterio_tecnico"
    DETERMINACAO_JUDICIAL = "determinacao_judicial"


class VisitModality(StrEnum):
    """Visit modalities (Reg. art. 55 I–II)."""

    COMUM = "comum"
    EXCEPCIONAL = "excepcional"


class VisitRefusalReason(StrEnum):
    """Closed list of reasons to refuse a visitor's entry (Reg. art. 62 I–VIII)."""

    FORA_DO_CADASTRO = "fora_do_cadastro"  # I
    SEM_DOCUMENTO = "sem_documento_de_identificacao"  # II
    MATERIAL_PROIBIDO = "material_proibido"  # III
    EMBRIAGUEZ = "embriaguez_ou_conduta_alterada"  # IV
    GESSO_OU_CURATIVO = "gesso_curativo_ou_atadura"  # V
    DIA_OU_HORARIO = "dia_ou_horario_nao_estabelecido"  # VI
    TRAJE_INADEQUADO = "traje_inadequado"  # VII
    DIFICULTA_IDENTIFICACAO = "dificulta_identificacao_ou_revista"  # VIII


class PhotoIdKind(StrEnum):
    """Accepted photo ID of visitors (Reg. art. 56 I–III)."""

    CARTEIRA_IDENTIDADE = "carteira_de_identidade"
    CARTEIRA_PROFISSIONAL = "carteira_de_orgao_profissional"
    PASSAPORTE = "passaporte"
    RESERVISTA = "certificado_de_reservista"
    CARTEIRA_FUNCIONAL = "carteira_funcional"
    CARTEIRA_DE_TRABALHO = "carteira_de_trabalho"
    CNH = "cnh"


class Relationship(StrEnum):
    """Visitor's relationship to the youth."""

    MAE = "mae"
    PAI = "pai"
    RESPONSAVEL = "responsavel_legal"
    IRMAO = "irmao"
    AVO = "avo"
    TIO = "tio"
    PRIMO = "primo"
    CONJUGE = "conjuge_ou_companheiro"
    FILHO = "filho"
    OUTRO_VINCULO = "outro_vinculo_afetivo"


class ReleaseBasis(StrEnum):
    """Legal basis of a release (E59). Transfers and evasions are not releases."""

    CUMPRIMENTO = "extincao_por_cumprimento"
    SUBSTITUICAO_MEIO_ABERTO = "substituicao_por_meio_aberto"
    REMISSAO = "remissao"
    ABSOLVICAO_OU_FIM_PROVISORIA = "absolvicao_ou_fim_da_provisoria"
    PRISAO_ADULTO = "condenacao_adulto"
    DOENCA = "doenca_grave"
    EX_LEGE_21_ANOS = "ex_lege_21_anos"  # ECA 121 §5
    EX_LEGE_3_ANOS = "ex_lege_3_anos"  # ECA 121 §3-4
    EX_LEGE_45_DIAS = "ex_lege_45_dias_provisoria"  # ECA 108, 183

    @property
    def is_ex_lege(self) -> bool:
        """Release by operation of law: never blocked (ECA 121 §5, 235)."""
        return self.value.startswith("ex_lege")


class PetitionAddressee(StrEnum):
    """Authority a petition is addressed to (ECA 124 II)."""

    DIRECAO_DA_UNIDADE = "direcao_da_unidade"
    JUIZ = "juiz"
    MINISTERIO_PUBLICO = "ministerio_publico"
    DEFENSORIA = "defensoria"
    SUPERINTENDENCIA = "superintendencia"


SEALED_ADDRESSEES = frozenset(
    {PetitionAddressee.JUIZ, PetitionAddressee.MINISTERIO_PUBLICO, PetitionAddressee.DEFENSORIA}
)


class PetitionSubject(StrEnum):
    """Subject category of a petition (content itself is never in the open stream)."""

    SAUDE = "saude"
    PROCESSO = "processo"
    VISITAS = "visitas"
    DISCIPLINA = "disciplina"
    CONVIVENCIA = "convivencia"
    ESTRUTURA = "estrutura"
    OUTRO = "outro"


class RoomChangeReason(StrEnum):
    """Reason for a room assignment (E10; Reg. art. 21 XIX, 51 XI)."""

    ROTINA = "rotina"
    PROTECAO = "medida_de_seguranca_protetora"
    EMERGENCIA = "emergencia"


class SeriousnessClass(StrEnum):
    """Seriousness of the offence for room separation (ECA 123)."""

    COM_VIOLENCIA = "com_violencia_ou_grave_ameaca"
    SEM_VIOLENCIA = "sem_violencia"


class BuildClass(StrEnum):
    """Physical build (*compleição física*) assessed by the team (ECA 123; Reg. art. 40)."""

    PEQUENA = "pequena"
    MEDIA = "media"
    GRANDE = "grande"


class AdmissionReason(StrEnum):
    """Why a stay in a unit began (abutting periods)."""

    NOVA_ADMISSAO = "nova_admissao"
    TRANSFERENCIA = "transferencia"
    RETORNO_DE_EVASAO = "retorno_de_evasao"


class DepartureReason(StrEnum):
    """Why a stay in a unit ended. Only ``DESLIGAMENTO`` is an official release."""

    DESLIGAMENTO = "desligamento"
    TRANSFERENCIA = "transferencia"
    EVASAO = "evasao"


class IntakeFinding(StrEnum):
    """What the intake search found (Reg. art. 33 par. único; E05)."""

    LESOES_NAO_DESCRITAS = "lesoes_nao_descritas_no_exame"
    ARMA = "arma"
    SUBSTANCIA_PSICOATIVA = "substancia_psicoativa"
    OUTRO_OBJETO_PROIBIDO = "outro_objeto_proibido"


class ForceTechnique(StrEnum):
    """Closed list of containment techniques (CNMP67 Annex III 1.12–1.13; E37).

    There is no chemical restraint: it is forbidden (CONANDA 252 art. 68).
    """

    CONTENCAO_FISICA = "contencao_fisica"
    ALGEMAS = "algemas"
    GAS_OU_SPRAY = "gas_ou_spray_de_pimenta"
    BASTAO = "bastao_ou_cassetete"
    ELETROCHOQUE = "arma_de_eletrochoque"
    BALA_DE_BORRACHA = "bala_de_borracha"


class PhoneCallReason(StrEnum):
    """Why a phone call is granted (Reg. art. 51 XXXII §1, 66 V; E45)."""

    SEM_VISITA_15_DIAS = "sem_visita_ha_15_dias"
    ESTIMULO_QUINZENAL = "estimulo_quinzenal"
    URGENCIA_FAMILIAR = "urgencia_familiar"
    OUTRO = "outro"


# --- PIA stages, searches, contacts, oversight (E11–E12, E26, E35, E38, E46–E47, E61, E63–E66) ---


@dataclass(frozen=True)
class PlanGoal:
    """One goal of the *Contrato Social*: what is agreed and by when (Reg. art. 70 II)."""

    description: PersonalText
    due_on: date


class SearchKind(StrEnum):
    """What is searched (*revista pessoal / de alojamento / de pertences*, E38)."""

    PESSOAL = "pessoal"
    ALOJAMENTO = "alojamento"
    PERTENCES = "pertences"


class SearchReason(StrEnum):
    """Why the search was made (Reg. art. 20 VI, XVII; 51 IX)."""

    __fallback__ = "outro"

    INGRESSO = "ingresso"
    SAIDA_OU_RETORNO = "saida_ou_retorno"
    SUSPEITA_OU_DENUNCIA = "suspeita_ou_denuncia"  # Reg. art. 20 XVII
    ROTINA_DE_SEGURANCA = "rotina_de_seguranca"  # Reg. art. 51 IX
    OUTRO = "outro"


class InterviewAuthority(StrEnum):
    """Who holds a private interview with the youth (ECA 124 I, III; Reg. art. 51 I, III)."""

    MINISTERIO_PUBLICO = "ministerio_publico"
    DEFENSORIA_PUBLICA = "defensoria_publica"
    ADVOGADO = "advogado_constituido"


class AccessCategory(StrEnum):
    """Who enters the unit (Reg. art. 20 XXIV; 55 VIII; ECA 95; CNMP67 art. 1)."""

    __fallback__ = "outro"

    SERVIDOR = "servidor"
    VISITANTE = "visitante"
    JUDICIARIO = "judiciario"
    MINISTERIO_PUBLICO = "ministerio_publico"
    DEFENSORIA = "defensoria"
    CONSELHO_TUTELAR = "conselho_tutelar"
    OUTRO = "outro"


class StaffCategory(StrEnum):
    """Professional categories of the unit's roster, as the CNMP forms count them (CNMP67 Annex III/IV 2.1)."""

    __fallback__ = "outro"

    PSICOLOGO = "psicologo"
    PEDAGOGO = "pedagogo"
    ASSISTENTE_SOCIAL = "assistente_social"
    EDUCADOR_SOCIAL = "educador_social"
    AGENTE = "agente_socioeducativo"
    NUTRICIONISTA = "nutricionista"
    MEDICO = "medico"
    DENTISTA = "dentista"
    PROFESSOR = "professor"
    ADMINISTRATIVO = "administrativo"
    GERENTE = "gerente"
    OUTRO = "outro"


class StaffStatus(StrEnum):
    """Whether a staff member is working in the unit (deactivate, never delete)."""

    ATIVO = "ativo"
    INATIVO = "inativo"


class InspectionKind(StrEnum):
    """Kind of MP inspection (CNMP67 arts. 1, 2, 2-A)."""

    BIMESTRAL = "bimestral"
    SEMESTRAL = "semestral"  # March and September (CNMP67 art. 2-A §3)
    ANUAL = "anual"
    EXTRAORDINARIA = "extraordinaria"


class EgressContactKind(StrEnum):
    """How the team followed up a released youth (*acompanhamento do egresso*, E61)."""

    __fallback__ = "outro"

    VISITA_DOMICILIAR = "visita_domiciliar"
    ATENDIMENTO_PRESENCIAL = "atendimento_presencial"
    CONTATO_TELEFONICO = "contato_telefonico"
    CONTATO_COM_A_REDE = "contato_com_a_rede"
    OUTRO = "outro"


# --- the filed inspection report (E64; domain/unit/inspection_filing.py) -----------------------


@dataclass(frozen=True)
class InspectorAnswer:
    """The inspector's answer to one judgement item of the form: "I 3.13 #1" → ("Sim",).

    ``choices`` are among the item's options (several where the form lets more than one be
    ticked); ``text`` is what the form asks to specify. Institutions and facts, not persons:
    the text is public in the unit's history (ECA art. 143 keeps youths' names out of it).
    """

    item: str
    choices: tuple[str, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class FiledReport:
    """The computed part of a filed report and the bitemporal point it was computed at."""

    facts_on: date  # the day of the facts (valid time)
    period_start: date  # first day of the period of the peaks, discipline and evasions
    recorded_as_of: datetime  # the recording time the read models were read as of
    snapshot: str  # the computed report, canonical JSON (infra/inspection_filing.py)
    snapshot_sha256: str
