using System.Globalization;
using Microsoft.Data.Sqlite;
using ReactorTwin.Runtime.Ingest;

namespace ReactorTwin.Runtime.Journal;

/// <summary>One journal entry: a measurement, or a batch announcement (its JSON in <see cref="Announcement"/>).</summary>
/// <param name="Seq">Sequence number (increasing across both kinds).</param>
/// <param name="Measurement">The measurement, or null for an announcement.</param>
/// <param name="Announcement">The announcement JSON, or null for a measurement.</param>
public sealed record JournalEntry(long Seq, Measurement? Measurement, string? Announcement);

/// <summary>A command a reactor received.</summary>
/// <param name="Received">When it was handled.</param>
/// <param name="Topic">Its topic.</param>
/// <param name="Payload">Its payload (excerpt).</param>
/// <param name="Origin">Who sent it, as far as known.</param>
/// <param name="Outcome">What came of it.</param>
public sealed record CommandEntry(DateTimeOffset Received, string Topic, string Payload, string Origin, string Outcome);

/// <summary>A message a reactor rejected.</summary>
/// <param name="Received">When it was handled.</param>
/// <param name="Topic">Its topic.</param>
/// <param name="Payload">Its payload (excerpt).</param>
/// <param name="Reason">Why it was rejected.</param>
public sealed record DeadLetter(DateTimeOffset Received, string Topic, string Payload, string Reason);

/// <summary>How much the journal holds for one reactor.</summary>
/// <param name="Measurements">Measurements journaled.</param>
/// <param name="Commands">Commands received (with their outcomes).</param>
/// <param name="DeadLetters">Messages rejected.</param>
public sealed record JournalCounts(long Measurements, long Commands, long DeadLetters);

/// <summary>
/// The durable journal of accepted inputs (SQLite, WAL mode, synchronous FULL): every measurement and every batch
/// announcement is appended and committed before the twin processes it, with one sequence number across both;
/// checkpoints store the twin's state with the sequence number they cover, so a restart restores the latest
/// checkpoint and replays only later entries, in order — nothing lost, nothing processed twice. Commands (with who sent
/// them and the outcome) and rejected messages (the dead-letter table) are kept beside them. Several reactors share
/// one journal (rows are keyed by reactor); the instance is thread-safe (one SQLite connection, every operation under
/// one lock: a reactor's append waits for another's commit, which is what the disk does anyway). One instance per
/// database file.
/// </summary>
public sealed class MeasurementJournal : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly SqliteCommand _append;
    private readonly object _gate = new();

    /// <summary>Opens (creating if needed) the journal at <paramref name="path"/>.</summary>
    public MeasurementJournal(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            _db.Open();
        }
        catch (SqliteException ex)
        {
            _db.Dispose();
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            throw new JournalException(dir is not null && !Directory.Exists(dir)
                ? $"cannot open journal '{path}': the directory '{dir}' does not exist"
                : $"cannot open journal '{path}': {ex.Message}", ex);
        }

        CheckSchema(path);
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS measurement (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              reactor TEXT NOT NULL, batch TEXT NOT NULL, component TEXT NOT NULL,
              ts TEXT NOT NULL, t_h REAL NOT NULL, value REAL NOT NULL, announcement TEXT,
              UNIQUE (reactor, batch, component, ts));
            CREATE TABLE IF NOT EXISTS checkpoint (
              reactor TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (reactor, seq));
            CREATE TABLE IF NOT EXISTS command (
              id INTEGER PRIMARY KEY AUTOINCREMENT, reactor TEXT NOT NULL, received TEXT NOT NULL,
              topic TEXT NOT NULL, payload TEXT NOT NULL, origin TEXT NOT NULL, outcome TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS dead_letter (
              id INTEGER PRIMARY KEY AUTOINCREMENT, reactor TEXT NOT NULL, received TEXT NOT NULL,
              topic TEXT NOT NULL, payload TEXT NOT NULL, reason TEXT NOT NULL);
            """);
        Execute($"PRAGMA user_version={SchemaVersion};");
        _append = _db.CreateCommand();
        _append.CommandText = "INSERT INTO measurement (reactor, batch, component, ts, t_h, value) VALUES ($r, $b, $c, $ts, $t, $v) RETURNING seq;";
        foreach (var name in new[] { "$r", "$b", "$c", "$ts", "$t", "$v" })
        {
            _append.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
    }

    /// <summary>The journal format this build reads and writes (SQLite <c>user_version</c>).</summary>
    /// <remarks>Version 2 (typed checkpoints with the parameter covariance) replaced version 1.</remarks>
    public const int SchemaVersion = 2;

    /// <summary>
    /// Refuses a journal of another format instead of failing later or altering it: an older file (measurements
    /// without batch announcements, before schema versions) or one written by a newer reactortwin. Nothing in the file is
    /// changed; the message says what to do.
    /// </summary>
    private void CheckSchema(string path)
    {
        long version = Scalar("PRAGMA user_version;");
        bool hasTable = Scalar("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='measurement';") > 0;
        if (version > SchemaVersion)
        {
            Fail($"journal '{path}' has format version {version}, written by a newer reactortwin (this one reads version {SchemaVersion})");
        }

        if (version > 0 && version < SchemaVersion)
        {
            Fail($"journal '{path}' has format version {version}, written by an older reactortwin whose checkpoints this one cannot resume; move it aside to keep its data and start with a new file");
        }

        if (version == 0 && hasTable && Scalar("SELECT count(*) FROM pragma_table_info('measurement') WHERE name='announcement';") == 0)
        {
            Fail($"journal '{path}' was written by an older reactortwin (no batch announcements in it); it cannot be resumed — move it aside to keep its data and start with a new file");
        }

        void Fail(string message)
        {
            _db.Dispose();
            throw new JournalException(message);
        }
    }

    private long Scalar(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Appends and commits one measurement; returns its sequence number. A row equal in (reactor, batch,
    /// component, ts) to an existing one is not added again (returns −1).</summary>
    public long Append(string reactor, Measurement m)
    {
        lock (_gate)
        {
            ArgumentNullException.ThrowIfNull(m);
            _append.Parameters["$r"].Value = reactor;
            _append.Parameters["$b"].Value = m.Batch;
            _append.Parameters["$c"].Value = m.Component;
            _append.Parameters["$ts"].Value = m.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            _append.Parameters["$t"].Value = m.TimeHours;
            _append.Parameters["$v"].Value = m.Value;
            try
            {
                return (long)_append.ExecuteScalar()!;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                return -1;
            }
        }
    }

    /// <summary>Appends and commits a batch announcement (component "$batch"); returns its sequence number, or −1 when
    /// the batch was journaled already.</summary>
    public long AppendAnnouncement(string reactor, string batch, DateTimeOffset start, string json)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT INTO measurement (reactor, batch, component, ts, t_h, value, announcement) VALUES ($r, $b, '$batch', $ts, 0, 0, $j) RETURNING seq;";
            cmd.Parameters.AddWithValue("$r", reactor);
            cmd.Parameters.AddWithValue("$b", batch);
            cmd.Parameters.AddWithValue("$ts", start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            cmd.Parameters.AddWithValue("$j", json);
            try
            {
                return (long)cmd.ExecuteScalar()!;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                return -1;
            }
        }
    }

    /// <summary>Entries of <paramref name="reactor"/> with sequence number &gt; <paramref name="afterSeq"/>, in order.</summary>
    public IReadOnlyList<JournalEntry> ReadAfter(string reactor, long afterSeq)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT seq, batch, component, ts, t_h, value, announcement FROM measurement WHERE reactor = $r AND seq > $s ORDER BY seq;";
            cmd.Parameters.AddWithValue("$r", reactor);
            cmd.Parameters.AddWithValue("$s", afterSeq);
            using var reader = cmd.ExecuteReader();
            var rows = new List<JournalEntry>();
            while (reader.Read())
            {
                if (!reader.IsDBNull(6))
                {
                    rows.Add(new JournalEntry(reader.GetInt64(0), null, reader.GetString(6)));
                    continue;
                }

                rows.Add(new JournalEntry(reader.GetInt64(0), new Measurement(reader.GetString(1), reader.GetString(2), DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), reader.GetDouble(4), reader.GetDouble(5)), null));
            }

            return rows;
        }
    }

    /// <summary>Number of measurements (not announcements) journaled for <paramref name="reactor"/>.</summary>
    public long Count(string reactor)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM measurement WHERE reactor = $r AND announcement IS NULL;";
            cmd.Parameters.AddWithValue("$r", reactor);
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>How many measurements, commands and rejected messages the journal holds for <paramref name="reactor"/>.</summary>
    public JournalCounts Counts(string reactor)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT (SELECT COUNT(*) FROM measurement WHERE reactor = $r AND announcement IS NULL), (SELECT COUNT(*) FROM command WHERE reactor = $r), (SELECT COUNT(*) FROM dead_letter WHERE reactor = $r);";
            cmd.Parameters.AddWithValue("$r", reactor);
            using var reader = cmd.ExecuteReader();
            reader.Read();
            return new JournalCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
    }

    /// <summary>Records a command the reactor received (e.g. accepting a proposal), who sent it and what came of it.</summary>
    /// <param name="reactor">Reactor id.</param>
    /// <param name="received">When it was handled.</param>
    /// <param name="topic">Its topic.</param>
    /// <param name="payload">Its payload (excerpt).</param>
    /// <param name="origin">Who sent it, as far as known (a dashboard user, or "mqtt").</param>
    /// <param name="outcome">"applied: …" or "refused: reason".</param>
    public void AppendCommand(string reactor, DateTimeOffset received, string topic, string payload, string origin, string outcome) =>
        Insert("INSERT INTO command (reactor, received, topic, payload, origin, outcome) VALUES ($r, $t, $topic, $p, $o, $x);", reactor, received, topic, payload, origin, outcome);

    /// <summary>Records a rejected message (the dead-letter table): nothing a reactor refuses is lost.</summary>
    public void AppendDeadLetter(string reactor, DateTimeOffset received, string topic, string payload, string reason) =>
        Insert("INSERT INTO dead_letter (reactor, received, topic, payload, reason) VALUES ($r, $t, $topic, $p, $x);", reactor, received, topic, payload, null, reason);

    /// <summary>The commands of <paramref name="reactor"/>, oldest first.</summary>
    public IReadOnlyList<CommandEntry> Commands(string reactor) =>
        Select("SELECT received, topic, payload, origin, outcome FROM command WHERE reactor = $r ORDER BY id;", reactor, r => new CommandEntry(Time(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)));

    /// <summary>The rejected messages of <paramref name="reactor"/>, oldest first.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters(string reactor) =>
        Select("SELECT received, topic, payload, reason FROM dead_letter WHERE reactor = $r ORDER BY id;", reactor, r => new DeadLetter(Time(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3)));

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private void Insert(string sql, string reactor, DateTimeOffset received, string topic, string payload, string? origin, string last)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$r", reactor);
            cmd.Parameters.AddWithValue("$t", received.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            cmd.Parameters.AddWithValue("$topic", topic);
            cmd.Parameters.AddWithValue("$p", payload);
            if (origin is not null)
            {
                cmd.Parameters.AddWithValue("$o", origin);
            }

            cmd.Parameters.AddWithValue("$x", last);
            cmd.ExecuteNonQuery();
        }
    }

    private List<T> Select<T>(string sql, string reactor, Func<SqliteDataReader, T> row)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$r", reactor);
            using var reader = cmd.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(row(reader));
            }

            return rows;
        }
    }

    /// <summary>Stores a checkpoint covering measurements up to <paramref name="seq"/>.</summary>
    public void SaveCheckpoint(string reactor, long seq, string state)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT OR REPLACE INTO checkpoint (reactor, seq, state) VALUES ($r, $s, $st);";
            cmd.Parameters.AddWithValue("$r", reactor);
            cmd.Parameters.AddWithValue("$s", seq);
            cmd.Parameters.AddWithValue("$st", state);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>The latest checkpoint of <paramref name="reactor"/>, or null.</summary>
    public (long Seq, string State)? LatestCheckpoint(string reactor)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT seq, state FROM checkpoint WHERE reactor = $r ORDER BY seq DESC LIMIT 1;";
            cmd.Parameters.AddWithValue("$r", reactor);
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
        }
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _append.Dispose();
            _db.Dispose();
        }
    }
}

/// <summary>A journal that cannot be used: it cannot be opened, or its format is not the one this build reads (the file
/// was not changed).</summary>
public sealed class JournalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JournalException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JournalException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public JournalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
