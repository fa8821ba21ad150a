-- Functions, views, roles and row security for defining and inspecting jobs in SQL (issue 6).
SELECT 1;
