-- Generated from governance/contracts/health/clinic_visits.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    visit_id,
    resident_id_number,
    clinic,
    department,
    visited_at,
    diagnosis_code,
    note
from {{ source('staging', 'clinic_visits') }}
