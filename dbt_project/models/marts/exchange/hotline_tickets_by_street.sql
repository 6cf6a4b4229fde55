-- 12345热线工单分布: tickets per day, town, street and category (no caller, no ticket text).
select
    cast(received_at as date) as received_on,
    town,
    coalesce(street, '未注明') as street,
    category,
    count(*) as tickets,
    count(*) filter (where status = '办结') as closed,
    round(avg(epoch(closed_at) - epoch(received_at)) / 3600.0, 2) as avg_hours_to_close
from {{ ref('stg_government__hotline_tickets') }}
group by cast(received_at as date), town, coalesce(street, '未注明'), category
