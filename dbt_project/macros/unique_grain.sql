{% test unique_grain(model, columns) %}
-- The declared grain (`meta: {grain: [...]}`) holds: no two rows share the grain's columns, and none of them
-- is null. A mart that repeats a row per grain key would make every additive measure add up twice.
-- Returns the offending keys with how often they occur.
select
    {{ columns | join(', ') }},
    count(*) as copies
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1 or {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
