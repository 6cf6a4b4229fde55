-- Generated from governance/contracts/development/enterprises.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    uscc,
    enterprise_name,
    park_id,
    building_id,
    industry,
    registered_capital_wan,
    established_on,
    employees,
    legal_representative,
    contact_mobile
from {{ source('staging', 'enterprises') }}
