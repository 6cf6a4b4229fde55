-- Generated from governance/contracts/health/resident_health_records.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    record_id,
    resident_id_number,
    birth_year,
    sex,
    address,
    town,
    chronic_conditions,
    registered_on,
    updated_at
from {{ source('staging', 'resident_health_records') }}
