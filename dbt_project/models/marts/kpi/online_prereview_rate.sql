-- 网上预审率: approval applications pre-reviewed online ÷ all applications, overall and per item.
with applications as (
    select * from {{ ref('stg_government__approval_applications') }}
),

per_item as (
    select
        item_code as scope,
        any_value(item_name) as scope_name,
        count(*) as applications,
        count(*) filter (where online_prereview) as prereviewed_online
    from applications
    group by item_code
),

overall as (
    select
        'all' as scope,
        '全部审批事项' as scope_name,
        count(*) as applications,
        count(*) filter (where online_prereview) as prereviewed_online
    from applications
),

combined as (
    select * from overall
    union all
    select * from per_item
)

select
    scope,
    scope_name,
    applications,
    prereviewed_online,
    round(prereviewed_online / applications, 4) as online_prereview_rate
from combined
