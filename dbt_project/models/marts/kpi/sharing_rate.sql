-- 网上共享率 (declared, provisional): catalogue resources whose sharing type allows sharing and that have an
-- exchange table, ÷ non-classified resources, per provider department and overall. Resources not shared
-- by law (不予共享, with legal basis) are counted as exempt, not as gaps.
with catalogue as (
    select * from {{ source('governance', 'resource_catalogue') }}
),

per_department as (
    select
        provider_department as department,
        any_value(provider_department_name) as department_name,
        count(*) as resources,
        count(*) filter (where sharing_type = 'not_shared') as exempt,
        count(*) filter (where sharing_type <> 'not_shared' and exchange_table is not null) as shared_online
    from catalogue
    group by provider_department
),

overall as (
    select
        'all' as department,
        '全部部门' as department_name,
        count(*) as resources,
        count(*) filter (where sharing_type = 'not_shared') as exempt,
        count(*) filter (where sharing_type <> 'not_shared' and exchange_table is not null) as shared_online
    from catalogue
),

combined as (
    select * from overall
    union all
    select * from per_department
)

select
    department,
    department_name,
    resources,
    exempt,
    shared_online,
    case
        when resources - exempt = 0 then null
        else round(shared_online / (resources - exempt), 4)
    end as sharing_rate
from combined
