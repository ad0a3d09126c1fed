-- order by path asc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[path_key], [f0].[id]
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[path_key], [f].[id]
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[path_key], [f2].[id]

-- order by path asc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value varchar(1668) = 'reports/a.csv';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[path_key] >= @Value AND ([f].[path_key] > @Value OR ([f].[path_key] = @Value AND [f].[id] > @Value4))
    ORDER BY [f].[path_key], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[path_key], [f1].[id]

-- order by path desc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[path_key] DESC, [f0].[id] DESC
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[path_key] DESC, [f].[id] DESC
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[path_key] DESC, [f2].[id] DESC

-- order by path desc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value varchar(1668) = 'reports/a.csv';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[path_key] <= @Value AND ([f].[path_key] < @Value OR ([f].[path_key] = @Value AND [f].[id] < @Value4))
    ORDER BY [f].[path_key] DESC, [f].[id] DESC
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[path_key] DESC, [f1].[id] DESC

-- order by name asc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[name], [f0].[id]
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[name], [f].[id]
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[name], [f2].[id]

-- order by name asc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value nvarchar(255) = N'reports/a.csv';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[name] >= @Value AND ([f].[name] > @Value OR ([f].[name] = @Value AND [f].[id] > @Value4))
    ORDER BY [f].[name], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[name], [f1].[id]

-- order by name desc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[name] DESC, [f0].[id] DESC
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[name] DESC, [f].[id] DESC
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[name] DESC, [f2].[id] DESC

-- order by name desc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value nvarchar(255) = N'reports/a.csv';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[name] <= @Value AND ([f].[name] < @Value OR ([f].[name] = @Value AND [f].[id] < @Value4))
    ORDER BY [f].[name] DESC, [f].[id] DESC
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[name] DESC, [f1].[id] DESC

-- order by created_at asc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[created_at], [f0].[id]
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[created_at], [f].[id]
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[created_at], [f2].[id]

-- order by created_at asc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[created_at] >= @Value AND ([f].[created_at] > @Value OR ([f].[created_at] = @Value AND [f].[id] > @Value4))
    ORDER BY [f].[created_at], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[created_at], [f1].[id]

-- order by created_at desc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[created_at] DESC, [f0].[id] DESC
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[created_at] DESC, [f].[id] DESC
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[created_at] DESC, [f2].[id] DESC

-- order by created_at desc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[created_at] <= @Value AND ([f].[created_at] < @Value OR ([f].[created_at] = @Value AND [f].[id] < @Value4))
    ORDER BY [f].[created_at] DESC, [f].[id] DESC
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[created_at] DESC, [f1].[id] DESC

-- order by modified_at asc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[modified_at], [f0].[id]
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[modified_at], [f].[id]
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[modified_at], [f2].[id]

-- order by modified_at asc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[modified_at] >= @Value AND ([f].[modified_at] > @Value OR ([f].[modified_at] = @Value AND [f].[id] > @Value4))
    ORDER BY [f].[modified_at], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[modified_at], [f1].[id]

-- order by modified_at desc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[modified_at] DESC, [f0].[id] DESC
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[modified_at] DESC, [f].[id] DESC
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[modified_at] DESC, [f2].[id] DESC

-- order by modified_at desc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[modified_at] <= @Value AND ([f].[modified_at] < @Value OR ([f].[modified_at] = @Value AND [f].[id] < @Value4))
    ORDER BY [f].[modified_at] DESC, [f].[id] DESC
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[modified_at] DESC, [f1].[id] DESC

-- order by size asc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[current_size], [f0].[id]
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[current_size], [f].[id]
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[current_size], [f2].[id]

-- order by size asc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value bigint = CAST(638000000000000000 AS bigint);
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[current_size] >= @Value AND ([f].[current_size] > @Value OR ([f].[current_size] = @Value AND [f].[id] > @Value4))
    ORDER BY [f].[current_size], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[current_size], [f1].[id]

-- order by size desc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY [f0].[current_size] DESC, [f0].[id] DESC
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY [f].[current_size] DESC, [f].[id] DESC
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[current_size] DESC, [f2].[id] DESC

-- order by size desc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value bigint = CAST(638000000000000000 AS bigint);
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[current_size] <= @Value AND ([f].[current_size] < @Value OR ([f].[current_size] = @Value AND [f].[id] < @Value4))
    ORDER BY [f].[current_size] DESC, [f].[id] DESC
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[current_size] DESC, [f1].[id] DESC

-- order by deleted_at asc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') AS [c]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY COALESCE([f0].[deleted_at], '1970-01-01T00:00:00.0000000+00:00'), [f0].[id]
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00'), [f].[id]
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[c], [f2].[id]

-- order by deleted_at asc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') AS [c]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') >= @Value AND (COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') > @Value OR (COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') = @Value AND [f].[id] > @Value4))
    ORDER BY COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00'), [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[c], [f1].[id]

-- order by deleted_at desc, offset
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @skip int = 100;
DECLARE @take int = 51;

SELECT [f2].[id], [f2].[created_at], [f2].[created_by_email], [f2].[created_by_id], [f2].[created_by_name], [f2].[current_size], [f2].[current_version_id], [f2].[deleted_at], [f2].[deleted_by_email], [f2].[deleted_by_id], [f2].[deleted_by_name], [f2].[folder], [f2].[folder_key], [f2].[latest_version_id], [f2].[modified_at], [f2].[name], [f2].[name_key], [f2].[path_key], [f2].[workspace_id], [f1].[etag], [f1].[created_by_id], [f1].[created_by_name], [f1].[created_by_email], [f1].[content_type], [f1].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') AS [c]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND [f].[id] IN (
        SELECT [f0].[id]
        FROM [files] AS [f0]
        WHERE [f0].[workspace_id] = @workspaceId AND [f0].[current_version_id] IS NOT NULL AND [f0].[deleted_at] IS NULL
        ORDER BY COALESCE([f0].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') DESC, [f0].[id] DESC
        OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY
    )
    ORDER BY COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') DESC, [f].[id] DESC
) AS [f2]
INNER JOIN [file_versions] AS [f1] ON [f2].[id] = [f1].[file_id] AND [f2].[current_version_id] = [f1].[version_id]
ORDER BY [f2].[c] DESC, [f2].[id] DESC

-- order by deleted_at desc, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') AS [c]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') <= @Value AND (COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') < @Value OR (COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') = @Value AND [f].[id] < @Value4))
    ORDER BY COALESCE([f].[deleted_at], '1970-01-01T00:00:00.0000000+00:00') DESC, [f].[id] DESC
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[c] DESC, [f1].[id] DESC

-- deleted files by deleted_at, cursor
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2022-09-28T22:13:20.0000000+00:00';
DECLARE @Value4 uniqueIdentifier = '0190f5a2-0000-7000-8000-000000000001';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NOT NULL AND [f].[deleted_at] >= @Value AND ([f].[deleted_at] > @Value OR ([f].[deleted_at] = @Value AND [f].[id] > @Value4))
    ORDER BY [f].[deleted_at], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[deleted_at], [f1].[id]

-- every filter
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @pattern nvarchar(255) = N'%50\%\_off%';
DECLARE @query_Author nvarchar(128) = N'user-1';
DECLARE @Value datetimeoffset = '2026-01-01T00:00:00.0000000+00:00';
DECLARE @Value5 datetimeoffset = '2026-02-01T00:00:00.0000000+00:00';
DECLARE @Value6 datetimeoffset = '2026-01-15T00:00:00.0000000+00:00';
DECLARE @from varchar(1668) = 'reports/2026/';
DECLARE @to varchar(1668) = 'reports/20260';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL AND LOWER([f].[name]) LIKE @pattern ESCAPE N'\' AND [f].[created_by_id] = @query_Author AND [f].[created_at] >= @Value AND [f].[created_at] < @Value5 AND [f].[modified_at] > @Value6 AND [f].[path_key] >= @from AND [f].[path_key] < @to
    ORDER BY [f].[path_key], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[path_key], [f1].[id]

-- deleted files between dates
DECLARE @p int = 51;
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @Value datetimeoffset = '2026-01-01T00:00:00.0000000+00:00';
DECLARE @Value2 datetimeoffset = '2026-03-01T00:00:00.0000000+00:00';

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NOT NULL AND [f].[deleted_at] >= @Value AND [f].[deleted_at] <= @Value2
    ORDER BY [f].[path_key], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[path_key], [f1].[id]

-- the rows a first page counts
DECLARE @workspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';

SELECT [f].[id]
FROM [files] AS [f]
WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL

-- folder view: a folder's own files, first page
DECLARE @folder_WorkspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @folder_Prefix varchar(1668) = 'reports/2026/';
DECLARE @p int = 0;
DECLARE @p3 int = 101;

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @folder_WorkspaceId AND [f].[deleted_at] IS NULL AND [f].[current_version_id] IS NOT NULL AND [f].[folder_key] = @folder_Prefix
    ORDER BY [f].[name_key], [f].[id]
    OFFSET @p ROWS FETCH NEXT @p3 ROWS ONLY
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[name_key], [f1].[id]

-- folder view: a folder's own files, after a cursor
DECLARE @folder_WorkspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @folder_Prefix varchar(1668) = 'reports/2026/';
DECLARE @name varchar(1668) = 'a.csv';
DECLARE @id uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @p int = 0;
DECLARE @p6 int = 101;

SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @folder_WorkspaceId AND [f].[deleted_at] IS NULL AND [f].[current_version_id] IS NOT NULL AND [f].[folder_key] = @folder_Prefix AND [f].[name_key] >= @name AND ([f].[name_key] > @name OR [f].[id] > @id)
    ORDER BY [f].[name_key], [f].[id]
    OFFSET @p ROWS FETCH NEXT @p6 ROWS ONLY
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[name_key], [f1].[id]

-- folder view: the rows its own files count
DECLARE @folder_WorkspaceId uniqueIdentifier = '00000000-0000-0000-0000-000000000000';
DECLARE @folder_Prefix varchar(1668) = 'reports/2026/';

SELECT [f].[id]
FROM [files] AS [f]
WHERE [f].[workspace_id] = @folder_WorkspaceId AND [f].[deleted_at] IS NULL AND [f].[current_version_id] IS NOT NULL AND [f].[folder_key] = @folder_Prefix

-- the unfiltered total (the workspace's usage row)
SELECT [w].[files]
FROM [workspace_usage] AS [w]
WHERE [w].[workspace_id] = '00000000-0000-0000-0000-000000000000'
