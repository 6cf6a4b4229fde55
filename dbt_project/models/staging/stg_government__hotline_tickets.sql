-- Generated from governance/contracts/government/hotline_tickets.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    ticket_id,
    received_at,
    category,
    town,
    street,
    caller_mobile,
    content,
    status,
    closed_at
from {{ source('staging', 'hotline_tickets') }}
