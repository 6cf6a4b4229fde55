-- Generated from governance/contracts/health/elderly_care_alerts.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    alert_id,
    resident_id_number,
    alert_type,
    raised_at,
    handled_at,
    town
from {{ source('staging', 'elderly_care_alerts') }}
