-- 12345热线工单分布: tickets per day, town, street and category (no caller, no ticket text).
-- Small-cell suppression: a cell of fewer than 5 tickets could point at one household (noise, property
-- management). Such a cell's street is merged into the town's '（合并）' street of the day (its category
-- kept while the merged tickets of that category reach 5, else merged too); what is still under 5 after
-- merging is not published.
with tickets as (
    select
        cast(received_at as date) as received_on,
        town,
        coalesce(street, '未注明') as street,
        category,
        status,
        received_at,
        closed_at
    from {{ ref('stg_government__hotline_tickets') }}
),

cells as (
    select
        *,
        count(*) over (partition by received_on, town, street, category) as cell_tickets
    from tickets
),

sized as (
    select
        *,
        -- a sum, not count(*) filter (…) over: Trino has no FILTER on window functions
        sum(case when cell_tickets < 5 then 1 else 0 end) over (partition by received_on, town, category)
            as merged_category_tickets
    from cells
),

merged as (
    select
        received_on,
        town,
        case when cell_tickets >= 5 then street else '（合并）' end as street,
        case when cell_tickets >= 5 or merged_category_tickets >= 5 then category else '（合并）' end as category,
        status,
        received_at,
        closed_at
    from sized
),

grouped as (
    select
        received_on,
        town,
        street,
        category,
        count(*) as tickets,
        count(*) filter (where status = '办结') as closed,
        round(avg({{ seconds_between('received_at', 'closed_at') }}) / 3600.0, 2) as avg_hours_to_close
    from merged
    group by received_on, town, street, category
)

select * from grouped
where tickets >= 5
