-- Generated from governance/contracts/health/kiosk_checks.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    check_id,
    kiosk_id,
    resident_id_number,
    checked_at,
    systolic_mmhg,
    diastolic_mmhg,
    glucose_mmol
from {{ source('staging', 'kiosk_checks') }}
