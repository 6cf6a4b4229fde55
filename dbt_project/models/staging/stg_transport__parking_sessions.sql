-- Generated from governance/contracts/transport/parking_sessions.yaml
-- by `lakehouse contracts sync-dbt`. Do not edit by hand.
select
    session_id,
    lot_id,
    plate,
    entered_at,
    exited_at,
    fee_yuan,
    payment_method
from {{ source('staging', 'parking_sessions') }}
