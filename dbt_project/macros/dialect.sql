{#- SQL that DuckDB (target `embedded`) and Trino (target `trino`, the stack and cluster profiles) spell
    differently: one macro each, dispatched on the adapter, so every model is written once
    (docs/adr/0016-marts-built-by-trino-on-the-stack.md). Everything else in the models is SQL both accept. -#}

{#- Seconds from `start` to `finish` (timestamps), as a double. -#}
{% macro seconds_between(start, finish) -%}
    {{ return(adapter.dispatch('seconds_between')(start, finish)) }}
{%- endmacro %}

{% macro default__seconds_between(start, finish) -%}
    (epoch({{ finish }}) - epoch({{ start }}))
{%- endmacro %}

{% macro trino__seconds_between(start, finish) -%}
    (cast(date_diff('millisecond', {{ start }}, {{ finish }}) as double) / 1000)
{%- endmacro %}

{#- The clock hours from `start` to `finish` (both already truncated to the hour), as a list to unnest. -#}
{% macro hour_series(start, finish) -%}
    {{ return(adapter.dispatch('hour_series')(start, finish)) }}
{%- endmacro %}

{% macro default__hour_series(start, finish) -%}
    generate_series({{ start }}, {{ finish }}, interval '1' hour)
{%- endmacro %}

{% macro trino__hour_series(start, finish) -%}
    sequence({{ start }}, {{ finish }}, interval '1' hour)
{%- endmacro %}

{#- The type of a timestamp column in a model contract: Trino's Iceberg tables hold microseconds only. -#}
{% macro timestamp_type() -%}
    {{ return(adapter.dispatch('timestamp_type')()) }}
{%- endmacro %}

{% macro default__timestamp_type() -%}
    timestamp
{%- endmacro %}

{% macro trino__timestamp_type() -%}
    timestamp(6)
{%- endmacro %}
