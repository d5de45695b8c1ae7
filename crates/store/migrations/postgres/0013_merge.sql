-- Merging matters (主件/并件). The projection names the main matter a merged one follows, so
-- the lists and the workbench can tell the merged ones apart and a main finds every matter
-- that says it is merged into it without reading any events.
ALTER TABLE matters ADD COLUMN merged_into BIGINT;
CREATE INDEX matters_merged_into ON matters(merged_into) WHERE merged_into IS NOT NULL;
