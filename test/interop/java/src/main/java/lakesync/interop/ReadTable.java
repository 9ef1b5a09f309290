package lakesync.interop;

import java.io.File;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Files;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;

/**
 * Reads an Iceberg table by its path with Apache Iceberg's own Java implementation
 * (HadoopTables + IcebergGenerics: a full scan with position deletes applied) and writes the rows
 * to OUT as Parquet with the table's schema. Prints {"reader": "java", "rows": N}.
 *
 * usage: ReadTable TABLE_DIR OUT.parquet
 */
public final class ReadTable {
  public static void main(String[] args) throws Exception {
    Table table = new HadoopTables(new Configuration()).load(args[0]);
    long rows = 0;
    File out = new File(args[1]);
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build();
         FileAppender<Record> writer = Parquet.write(Files.localOutput(out))
             .schema(table.schema())
             .createWriterFunc(GenericParquetWriter::create)
             .build()) {
      for (Record r : records) {
        writer.add(r);
        rows++;
      }
    }
    System.out.println("{\"reader\": \"java\", \"rows\": " + rows + "}");
  }
}
