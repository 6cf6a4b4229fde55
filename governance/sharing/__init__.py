"""Sharing (政务数据共享): requests with working-day deadlines, access grants, the measured sharing KPI,
and catalogue exports for the provincial/national platform. Plain library: no Dagster, no click."""
