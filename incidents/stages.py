"""The request workflows' stages, each rule in one place: which kinds have stages, where
each starts, which moves it allows, what the customer's progress bar shows, and what a
move needs. `incidents.services.stages` enforces these; pages and the API ask them what
to offer."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import signature_rules
from incidents.models import Incident, Kind, Stage
from portal.models import User

# The stage a request of the kind starts in; kinds without a workflow are absent.
INITIAL: dict[str, Stage] = {
    Kind.SIGNATURE_CHANGE: Stage.RECEIVED,
    Kind.PRIVATE_PATCH: Stage.REQUESTED,
}

# Where each stage may go next (a stage absent here is final).
MOVES: dict[str, tuple[Stage, ...]] = {
    # Signature change: the analysts look at it, then a fix is released and the customer
    # told, or the detection was right.
    Stage.RECEIVED: (Stage.ANALYSING,),
    Stage.ANALYSING: (Stage.RELEASED, Stage.NOT_CONFIRMED),
    Stage.RELEASED: (Stage.INFORMED,),
    # Private patch: accepted on commercially reasonable efforts, or declined.
    Stage.REQUESTED: (Stage.ACCEPTED, Stage.DECLINED),
    Stage.ACCEPTED: (Stage.IN_DEVELOPMENT,),
    Stage.IN_DEVELOPMENT: (Stage.DELIVERED,),
}

# The steps of the progress bar, in order, by kind; the other endings (not confirmed,
# declined) end the bar where the request stopped.
STEPS: dict[str, tuple[Stage, ...]] = {
    Kind.SIGNATURE_CHANGE: (Stage.RECEIVED, Stage.ANALYSING, Stage.RELEASED, Stage.INFORMED),
    Kind.PRIVATE_PATCH: (
        Stage.REQUESTED,
        Stage.ACCEPTED,
        Stage.IN_DEVELOPMENT,
        Stage.DELIVERED,
    ),
}

# Moves that must say why (the reason is shown to the customer).
NEEDS_REASON = frozenset({Stage.NOT_CONFIRMED, Stage.DECLINED})

# What a move names beside the stage, and the one stage each goes with.
MOVE_FIELDS: dict[str, Stage] = {"release": Stage.RELEASED, "patch": Stage.DELIVERED}


class Step(models.TextChoices):
    """A progress-bar step's state."""

    DONE = "done", gettext_lazy("done")
    CURRENT = "current", gettext_lazy("current")
    TODO = "todo", gettext_lazy("to do")


def has_stages(kind: str) -> bool:
    return kind in INITIAL


def initial_stage(kind: str) -> Stage:
    """The stage a new request of the kind starts in (none for kinds without stages)."""
    return INITIAL.get(kind, Stage.NONE)


def next_stages(incident: Incident) -> tuple[Stage, ...]:
    """The stages the incident may move to now."""
    if not has_stages(incident.kind):
        return ()
    return MOVES.get(incident.stage, ())


def stage_words(stages) -> str:
    return ", ".join(f"{Stage(s).label} ({s})" for s in stages)


def check_stage_move(incident: Incident, actor: User, stage: str) -> None:
    """Staff move a request along its workflow, one allowed step at a time: anything else
    is refused naming the stages allowed next (400 on `stage`)."""
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only staff move a request to another stage."))
    if not has_stages(incident.kind):
        raise ValidationError(
            {"stage": [_("%(kind)s has no stages.") % {"kind": Kind(incident.kind).label}]}
        )
    allowed = next_stages(incident)
    if stage in allowed:
        signature_rules.check_mover(incident, actor, stage)
        return
    if not allowed:
        message = _("%(stage)s is the request's last stage: it moves no further.") % {
            "stage": Stage(incident.stage).label
        }
    else:
        message = _("From %(stage)s the request can move only to: %(allowed)s.") % {
            "stage": Stage(incident.stage).label,
            "allowed": stage_words(allowed),
        }
    raise ValidationError({"stage": [message]})


def check_move_fields(stage: str | None, **given) -> None:
    """A release goes only with `released`, a patch file only with `delivered`: a value
    the move would not use is refused (400 on it), never dropped."""
    for field, value in given.items():
        wanted = MOVE_FIELDS[field]
        if value is not None and stage != wanted:
            raise ValidationError(
                {
                    field: [
                        _("%(field)s is named only when moving the stage to %(stage)s.")
                        % {"field": field, "stage": stage_words([wanted])}
                    ]
                }
            )


def progress(incident: Incident) -> list[tuple[Stage, Step]]:
    """The progress bar: each step with its state, "done", "current" or "todo"; a request
    that ended off the main path (not confirmed, declined) shows that ending as current."""
    steps = STEPS.get(incident.kind, ())
    if incident.stage in steps:
        at = steps.index(incident.stage)
        return [
            (step, Step.DONE if i < at else Step.CURRENT if i == at else Step.TODO)
            for i, step in enumerate(steps)
        ]
    # Ended off the path: the steps it passed, then where it ended.
    passed = {
        Stage.NOT_CONFIRMED: (Stage.RECEIVED, Stage.ANALYSING),
        Stage.DECLINED: (Stage.REQUESTED,),
    }.get(incident.stage, ())
    return [(step, Step.DONE) for step in passed] + (
        [(Stage(incident.stage), Step.CURRENT)] if incident.stage else []
    )
