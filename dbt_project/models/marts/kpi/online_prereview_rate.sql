-- 网上预审率: approval applications pre-reviewed online ÷ all applications, overall, per approval item and
-- per responsible department, so the gaps to the 100% target can be named.
with applications as (
    select * from {{ ref('stg_government__approval_applications') }}
),

-- Which department handles each item (政务服务事项目录). No department system exports this catalogue yet,
-- so it is written here; an item missing from it is reported under '未登记部门' rather than dropped.
item_departments as (
    select
        catalogue.item_code,
        cast(catalogue.department as varchar) as department
    from (
        values
        ('310115-XK-0101', '市场监管局临港分局'),
        ('310115-XK-0102', '市场监管局临港分局'),
        ('310115-XK-0201', '规划和自然资源处'),
        ('310115-XK-0202', '建设和交通管理处'),
        ('310115-XK-0301', '卫生健康委'),
        ('310115-XK-0401', '生态环境局'),
        ('310115-XK-0501', '城市管理局'),
        ('310115-GG-0601', '人力资源和社会保障局'),
        ('310115-GG-0602', '公安临港分局'),
        ('310115-GG-0603', '人力资源和社会保障局'),
        ('310115-GG-0604', '卫生健康委'),
        ('310115-GG-0605', '民政局'),
        ('310115-GG-0606', '住房保障中心')
    ) as catalogue (item_code, department)
),

with_department as (
    select
        applications.*,
        coalesce(item_departments.department, '未登记部门') as department
    from applications
    left join item_departments on applications.item_code = item_departments.item_code
),

per_item as (
    select
        'item' as scope_kind,
        item_code as scope,
        any_value(item_name) as scope_name,
        any_value(department) as department,
        count(*) as applications,
        count(*) filter (where online_prereview) as prereviewed_online
    from with_department
    group by item_code
),

per_department as (
    select
        'department' as scope_kind,
        department as scope,
        department as scope_name,
        department,
        count(*) as applications,
        count(*) filter (where online_prereview) as prereviewed_online
    from with_department
    group by department
),

overall as (
    select
        'all' as scope_kind,
        'all' as scope,
        '全部审批事项' as scope_name,
        cast(null as varchar) as department,
        count(*) as applications,
        count(*) filter (where online_prereview) as prereviewed_online
    from applications
),

combined as (
    select * from overall
    union all
    select * from per_item
    union all
    select * from per_department
)

select
    cast(scope_kind as varchar) as scope_kind,
    scope,
    scope_name,
    department,
    applications,
    prereviewed_online,
    round(cast(prereviewed_online as double) / applications, 4) as online_prereview_rate,
    -- when the rate was computed (China time, as kpi.sharing_rate): a rate without its time cannot be compared
    cast(current_timestamp at time zone 'Asia/Shanghai' as {{ timestamp_type() }}) as measured_at
from combined
