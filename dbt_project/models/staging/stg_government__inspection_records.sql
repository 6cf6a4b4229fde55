-- Generated from governance/contracts/government/inspection_records.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    inspection_id,
    enterprise_uscc,
    inspected_at,
    inspector_department,
    result,
    issues_found
from {{ source('staging', 'inspection_records') }}
