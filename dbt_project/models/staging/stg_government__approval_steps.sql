-- Generated from governance/contracts/government/approval_steps.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    step_id,
    application_id,
    step_name,
    handler_department,
    started_at,
    finished_at,
    outcome
from {{ source('staging', 'approval_steps') }}
