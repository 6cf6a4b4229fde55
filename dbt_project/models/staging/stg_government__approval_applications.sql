-- Generated from governance/contracts/government/approval_applications.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    application_id,
    item_code,
    item_name,
    applicant_name,
    applicant_id_number,
    applicant_mobile,
    enterprise_uscc,
    town,
    online_prereview,
    submitted_at,
    decided_at,
    status,
    updated_at
from {{ source('staging', 'approval_applications') }}
