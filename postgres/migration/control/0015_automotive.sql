-- What an owner declared a dataset holds of the important automotive
-- data classification cannot see (Automotive Provisions Art. 3(1)-(4)):
-- a JSON object of sensitive_area, economic_operation, charging_network
-- and exterior_images; '{}' declares nothing.
ALTER TABLE datasets ADD COLUMN automotive TEXT NOT NULL DEFAULT '{}';
